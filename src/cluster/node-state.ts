import type { NodeStatusText, ServiceNode, ServiceNodeStatus } from '../core/wire/cluster.js';

export interface NodeStateSettings {
  regionId: string;
  zoneId: string;
  allowRegistryFromOtherZone: boolean;
  allowDiscoveryFromOtherZone: boolean;
}

/**
 * This node's own status as clients and peers see it (`node.json`): starting until the node
 * has started, up while serving, down while shutting down.
 */
export class NodeState {
  private current: ServiceNodeStatus;

  constructor(
    private readonly settings: NodeStateSettings,
    url: string,
  ) {
    this.current = this.build('starting', null, url);
  }

  private build(status: NodeStatusText, capable: boolean | null, url: string): ServiceNodeStatus {
    const node: ServiceNode = {
      url,
      zone: { metadata: null, regionId: this.settings.regionId, zoneId: this.settings.zoneId },
    };
    return {
      allowDiscoveryFromOtherZone: this.settings.allowDiscoveryFromOtherZone,
      allowRegistryFromOtherZone: this.settings.allowRegistryFromOtherZone,
      canServiceDiscovery: capable,
      canServiceRegistry: capable,
      node,
      status,
    };
  }

  get status(): ServiceNodeStatus {
    return this.current;
  }

  get self(): ServiceNode {
    return this.current.node;
  }

  get regionId(): string {
    return this.settings.regionId;
  }

  get zoneId(): string {
    return this.settings.zoneId;
  }

  /** The URL becomes known once the server listens (port 0 picks one). */
  setUrl(url: string): void {
    this.current = this.build(this.current.status, this.current.canServiceRegistry, url);
  }

  markUp(): void {
    this.current = this.build('up', true, this.current.node.url);
  }

  markDown(): void {
    this.current = this.build('down', false, this.current.node.url);
  }
}

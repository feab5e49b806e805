/** Artemis `Zone`. */
export interface Zone {
  metadata: Record<string, string | null> | null;
  regionId: string | null;
  zoneId: string | null;
}

/** Artemis `ServiceNode`: a registry node as clients address it. */
export interface ServiceNode {
  url: string;
  zone: Zone;
}

export type NodeStatusText = 'starting' | 'up' | 'down' | 'unknown';

/** Artemis `ServiceNodeStatus`, fields in wire order. */
export interface ServiceNodeStatus {
  allowDiscoveryFromOtherZone: boolean | null;
  allowRegistryFromOtherZone: boolean | null;
  canServiceDiscovery: boolean | null;
  canServiceRegistry: boolean | null;
  node: ServiceNode;
  status: NodeStatusText;
}

/** A node can serve registry when up; never when down; otherwise only with the capability flag. */
export function canServeRegistry(s: ServiceNodeStatus): boolean {
  if (s.status === 'up') return true;
  if (s.status === 'down') return false;
  return s.canServiceRegistry === true;
}

export function canServeDiscovery(s: ServiceNodeStatus): boolean {
  if (s.status === 'up') return true;
  if (s.status === 'down') return false;
  return s.canServiceDiscovery === true;
}

/** The text the reference puts in "not in up state" messages. */
export function nodeStatusText(s: ServiceNodeStatus): string {
  return `{ node: ${s.node.url}, status: ${s.status}, canServiceRegistry: ${String(s.canServiceRegistry)}, canServiceDiscovery: ${String(s.canServiceDiscovery)} }`;
}

/**
 * Most service ids a node asks one peer's anti-entropy diff for in one round; a node accepts at
 * least this many in a diff request (the lower bound of `limits.maxAntiEntropyServices`).
 */
export const ANTI_ENTROPY_SERVICES_PER_ROUND = 1_000;

import { closedError } from './errors.js';
import { HttpTransport, prop } from './http.js';
import { NodePool, type NodeChange } from './node-pool.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { TimerSet, withJitter } from './timers.js';

/** Which node list a client follows. */
export type NodeKind = 'registry' | 'discovery';

const NODE_LIST_PATH: Record<NodeKind, string> = {
  registry: '/api/cluster/up-registry-nodes.json',
  discovery: '/api/cluster/up-discovery-nodes.json',
};

/** Reads the node URLs of a `GetServiceNodesResponse`. */
export function nodeUrls(body: Record<string, unknown> | null): string[] {
  const nodes = prop(body, 'nodes');
  if (!Array.isArray(nodes)) return [];
  const urls: string[] = [];
  for (const n of nodes) {
    const url = n !== null && typeof n === 'object' ? prop(n as Record<string, unknown>, 'url') : undefined;
    if (typeof url === 'string' && /^https?:\/\//i.test(url.trim())) urls.push(url.trim().replace(/\/+$/, ''));
  }
  return urls;
}

/**
 * What both clients share: resolved options, timers, the node pool and its periodic refresh,
 * the HTTP transport, and one abort signal that close() fires.
 */
export class ClientRuntime {
  readonly options: ResolvedOptions;
  readonly timers: TimerSet;
  readonly pool: NodePool;
  readonly http: HttpTransport;
  private readonly closing = new AbortController();
  private started: Promise<void> | undefined;

  constructor(options: ClientOptions, private readonly kind: NodeKind, onNodeChange: (change: NodeChange) => void) {
    this.options = resolveOptions(options);
    this.timers = new TimerSet(this.options.timers);
    const { timers, random, backoff } = this.options;
    this.pool = new NodePool(this.options.urls, { timers, random, backoff, onChange: onNodeChange });
    this.http = new HttpTransport(this.pool, this.options, this.timers, this.closing.signal);
  }

  /** close() has started. */
  get isClosed(): boolean {
    return this.closing.signal.aborted;
  }

  /** @throws ArtemisClientError `closed` after shutdown */
  assertOpen(): void {
    if (this.closing.signal.aborted) throw closedError();
  }

  /** Starts the node-list refresh; resolves after the first refresh (which may fail: seeds are used then). */
  start(): Promise<void> {
    this.started ??= this.refreshNodes().then(() => this.scheduleRefresh());
    return this.started;
  }

  /** Fetches the up nodes and replaces the learned list; failures keep the current list. */
  async refreshNodes(): Promise<void> {
    if (this.closing.signal.aborted) return;
    try {
      const answer = await this.http.request({ path: NODE_LIST_PATH[this.kind], body: { regionId: this.options.regionId, zoneId: this.options.zoneId } });
      this.pool.replace(nodeUrls(answer.body));
    } catch {
      // the seeds and the nodes learned before keep being used
    }
  }

  private scheduleRefresh(): void {
    if (this.closing.signal.aborted) return;
    const { nodeRefreshIntervalMs, random } = this.options;
    this.timers.after(withJitter(nodeRefreshIntervalMs, 0.1, random), () => void this.refreshNodes().then(() => this.scheduleRefresh()));
  }

  /** Aborts in-flight calls, clears every timer and closes the HTTP connections the client opened itself. */
  shutdown(): void {
    this.closing.abort();
    this.timers.clear();
    this.options.releaseFetch();
  }
}

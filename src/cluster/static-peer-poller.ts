import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import type { PeerHttp } from './peer-http.js';
import type { StaticPeers } from './static-peers.js';

/** Failed status polls in a row after which a static peer counts as unreachable. */
const STATIC_PEER_FAILURES = 3;

/** What this node knows of one static peer: its last status, not polled yet, or unreachable. */
export type Polled = ServiceNodeStatus | 'pending' | 'unknown';

/** The status this node last polled of a static peer, when it has one. */
export function polledStatus(p: Polled | undefined): ServiceNodeStatus | null {
  return p === undefined || p === 'pending' || p === 'unknown' ? null : p;
}

export interface StaticPeerPollerDeps {
  peers: StaticPeers;
  http: PeerHttp;
  /** Timeout of one status poll. */
  timeoutMs: number;
  logger: Logger;
  /** Called after every poll: the live peers may have changed. */
  onPolled: () => void;
}

/**
 * Static peers (nodes that do not gossip, such as Java Artemis nodes) are followed by polling
 * their `status/node.json` (spec 9.3); one slow answer does not take a peer out, three failures
 * in a row do.
 */
export class StaticPeerPoller {
  private readonly polled = new Map<string, Polled>();
  /** Consecutive failed polls per static peer. */
  private readonly failures = new Map<string, number>();

  constructor(private readonly deps: StaticPeerPollerDeps) {}

  /** What is known of `url`; undefined for a peer never polled. */
  get(url: string): Polled | undefined {
    return this.polled.get(url);
  }

  has(url: string): boolean {
    return this.polled.has(url);
  }

  entries(): IterableIterator<[string, Polled]> {
    return this.polled.entries();
  }

  /** Forgets peers no longer configured. */
  prune(): void {
    const wanted = this.deps.peers.peers();
    for (const url of this.polled.keys()) if (!wanted.includes(url)) this.polled.delete(url);
    for (const url of this.failures.keys()) if (!wanted.includes(url)) this.failures.delete(url);
  }

  /** Polls every static peer once. */
  async poll(): Promise<void> {
    const { peers, http, timeoutMs, logger } = this.deps;
    await Promise.all(
      peers.peers().map(async (url) => {
        let result: Polled = 'unknown';
        try {
          const body = (await http.postJson(`${url}/api/status/node.json`, {}, timeoutMs)) as {
            nodeStatus?: ServiceNodeStatus;
            responseStatus?: { status?: string };
          };
          if (body?.responseStatus?.status === 'success' && body.nodeStatus?.node !== undefined) result = body.nodeStatus;
        } catch (err) {
          logger.debug({ ...errorFields(err), peer: url }, 'static peer status poll failed');
        }
        if (!peers.peers().includes(url)) return;
        const failures = result === 'unknown' ? (this.failures.get(url) ?? 0) + 1 : 0;
        this.failures.set(url, failures);
        const previous = this.polled.get(url);
        if (result !== 'unknown' || failures >= STATIC_PEER_FAILURES || previous === undefined || previous === 'pending') this.polled.set(url, result);
      }),
    );
    this.deps.onPolled();
  }
}

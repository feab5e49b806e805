import type { Clock } from '../core/clock.js';
import { untilDeadline, type Lifecycle } from '../core/lifecycle.js';
import type { TaskTrigger } from '../core/scheduler.js';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import type { Logger } from '../telemetry/logger.js';
import { clusterStatuses, memberViews, type ClusterViewSource, type MemberView } from './cluster-views.js';
import { Gossip, type GossipSettings } from './gossip.js';
import { isLive, type GossipRefusal, type MemberRecord, type MembershipEvent } from './membership.js';
import type { NodeState } from './node-state.js';
import type { PeerHttp } from './peer-http.js';
import type { SeedResolver } from './seeds.js';
import { StaticPeerPoller } from './static-peer-poller.js';
import { normalizePeerUrl, StaticPeers } from './static-peers.js';

export { GOSSIP_PATH } from './gossip.js';

/** The scheduler task of a gossip round (the node runs one at once when it turns up). */
export const GOSSIP_ROUND = 'cluster.gossip';
const STATIC_PEER_POLL = 'cluster.static-peer-poll';
export type { MemberView } from './cluster-views.js';

/** The `cluster.*` settings a ClusterManager reads. */
export interface ClusterSettings extends GossipSettings {
  /** Static peers: followed by status polls, never gossiped with. */
  peers: readonly string[];
  joinTimeoutMs: number;
  statusPollIntervalMs: number;
}

export interface ClusterManagerDeps {
  settings: ClusterSettings;
  node: NodeState;
  clock: Clock;
  /** Runs gossip rounds and probes, static-peer polls and seed refreshes (registered here, run once joined). */
  scheduler: TaskTrigger;
  http: PeerHttp;
  logger: Logger;
  /** This node's id in the gossip table, known once the node listens. */
  nodeId: () => string;
  resolver?: SeedResolver | undefined;
  /** Called on every member state change (metrics). */
  onEvent?: (event: MembershipEvent) => void;
  /** Called for every gossiped record (or URL) not taken, by the rule that refuses it (metrics). */
  onRefused?: (reason: GossipRefusal) => void;
  /** This node's management store identity, gossiped to peers. */
  storeId?: () => string;
}

/**
 * Cluster membership of one node: gossip with the members found through seeds (gossip.ts) and
 * status polls of static peers (static-peer-poller.ts). Replication reads its targets from
 * here (`peers`, `onChange`, `copySources`), and so do the Java cluster views (cluster-views.ts).
 * Its lifecycle: `start` joins through the seeds (waiting at most `joinTimeoutMs`), after which
 * the periodic tasks run; `stop` announces `left` to every live member.
 */
export class ClusterManager implements Lifecycle {
  readonly name = 'cluster';
  readonly staticPeers: StaticPeers;
  private readonly gossip: Gossip;
  private readonly poller: StaticPeerPoller;
  private readonly listeners: Array<() => void> = [];
  private lastPeers = '';
  /** From start until leave. */
  private running = false;
  /** Once the join is over: the periodic tasks run from then on. */
  private joined = false;
  /** The join's exchanges and first polls, which may outlive `joinTimeoutMs`. */
  private joining: Promise<void> | undefined;

  constructor(private readonly deps: ClusterManagerDeps) {
    const { settings, scheduler } = deps;
    const logger = deps.logger.child({ component: 'cluster' });
    this.staticPeers = new StaticPeers(settings.peers, () => deps.node.self.url);
    this.gossip = new Gossip({ ...deps, logger, onMerged: () => this.notifyIfChanged() });
    this.poller = new StaticPeerPoller({ peers: this.staticPeers, http: deps.http, timeoutMs: settings.gossipTimeoutMs, logger, onPolled: () => this.notifyIfChanged() });
    // A changed peer list is polled at once, as a run of the poll task (so stop waits for it).
    this.staticPeers.onChange(() => {
      this.poller.prune();
      this.notifyIfChanged(true);
      if (this.joined) void scheduler.runNow(STATIC_PEER_POLL);
    });
    const whenJoined = (run: () => Promise<void>) => () => (this.joined ? run() : undefined);
    scheduler.add({ name: GOSSIP_ROUND, intervalMs: settings.gossipIntervalMs, jitter: 0.2, run: whenJoined(() => this.round()) });
    scheduler.add({ name: 'cluster.gossip-probe', intervalMs: settings.gossipIntervalMs, jitter: 0.2, run: whenJoined(() => this.gossip.probe()) });
    scheduler.add({ name: STATIC_PEER_POLL, intervalMs: settings.statusPollIntervalMs, run: whenJoined(() => this.pollStaticPeers()) });
    if (this.gossip.hasDnsSeeds) {
      scheduler.add({ name: 'cluster.seed-refresh', intervalMs: settings.seedRefreshMs, run: whenJoined(() => this.gossip.refreshSeeds()) });
    }
  }

  /** Joins through the seeds and polls the static peers, waiting at most `joinTimeoutMs`. */
  async start(): Promise<void> {
    const { joinTimeoutMs } = this.deps.settings;
    this.running = true;
    const join = Promise.all([this.gossip.join(this.deps.nodeId()), this.poller.poll()]);
    this.joining = join.then(
      () => undefined,
      () => undefined,
    );
    if (joinTimeoutMs > 0 && (this.gossip.hasSeeds || this.staticPeers.peers().length > 0)) {
      await untilDeadline(join, Date.now() + joinTimeoutMs);
    }
    this.notifyIfChanged(true);
    this.joined = true;
  }

  /**
   * Announces `left` to the cluster, waiting for the answers until `deadline` (epoch ms); a join
   * that outlived `joinTimeoutMs` is waited for first (its calls end within the gossip timeout).
   */
  async stop(deadline: number): Promise<void> {
    if (this.joining !== undefined) await untilDeadline(this.joining, deadline);
    await this.leave(Math.max(0, deadline - Date.now()));
  }

  /** Runs one gossip round now. */
  async round(): Promise<void> {
    if (!this.running) return;
    await this.gossip.round();
  }

  /**
   * The receiving side of an exchange: merges the caller's table and answers with this node's.
   * Returns null for a body that is not a gossip message.
   */
  handleGossip(body: unknown): { members: MemberRecord[] } | null {
    return this.gossip.handle(body);
  }

  /** Polls every static peer's `status/node.json` (spec 9.3). */
  pollStaticPeers(): Promise<void> {
    return this.poller.poll();
  }

  // ---- where replication sends client writes (its PeerSource) ----

  /** Live peers: gossip members alive or suspect and not shutting down, and reachable static peers. */
  peers(): string[] {
    const out = new Set<string>();
    for (const x of this.gossip.membership?.others() ?? []) {
      if (isLive(x) && x.nodeStatus.status !== 'down') out.add(normalizePeerUrl(x.url));
    }
    for (const url of this.staticPeers.peers()) {
      const p = this.poller.get(url) ?? 'pending';
      if (p === 'pending' || (p !== 'unknown' && p.status !== 'down')) out.add(url);
    }
    out.delete(this.gossip.selfUrl);
    return [...out];
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private notifyIfChanged(force = false): void {
    const now = this.peers().sort().join(' ');
    if (!force && now === this.lastPeers) return;
    this.lastPeers = now;
    for (const l of this.listeners) l();
  }

  /** Peers worth copying the registry from at start: those that report `up`. */
  copySources(): string[] {
    const out = new Set<string>();
    for (const x of this.gossip.membership?.others() ?? []) if (x.state === 'alive' && x.nodeStatus.status === 'up') out.add(x.url);
    for (const [url, p] of this.poller.entries()) if (p !== 'pending' && p !== 'unknown' && p.status === 'up') out.add(url);
    for (const url of this.staticPeers.peers()) if (!this.poller.has(url)) out.add(url);
    out.delete(this.gossip.selfUrl);
    return [...out];
  }

  /** Live gossip members (alive or suspect, not shutting down) and the store identity each announces ('' unknown). */
  memberStores(): Array<{ nodeId: string; url: string; storeId: string }> {
    return (this.gossip.membership?.others() ?? [])
      .filter((x) => isLive(x) && x.nodeStatus.status !== 'down')
      .map((x) => ({ nodeId: x.nodeId, url: x.url, storeId: x.storeId }));
  }

  // ---- Java-compatible views ----

  private get views(): ClusterViewSource {
    return { node: this.deps.node, selfUrl: this.gossip.selfUrl, membership: this.gossip.membership, staticPeers: this.staticPeers, poller: this.poller };
  }

  /** Status of every node of the cluster as the Java views show it (this node first, then its zone, then the others). */
  statuses(): ServiceNodeStatus[] {
    return clusterStatuses(this.views);
  }

  /** Every member with its gossip state, for `members.json`. */
  members(): MemberView[] {
    return memberViews(this.views, this.deps.clock.now());
  }

  /**
   * Graceful leave: marks this node `left` and tells every live member at once, waiting at
   * most `timeoutMs` for their answers. Gossip stops afterwards.
   */
  async leave(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.joined = false;
    await this.gossip.leave(timeoutMs);
  }
}

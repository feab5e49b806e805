import type { Clock } from '../core/clock.js';
import type { ClusterConfig } from '../config/schema.js';
import type { Scheduler } from '../core/scheduler.js';
import type { NodeStatusText, ServiceNodeStatus } from '../core/wire/cluster.js';
import { normalizePeerUrl, StaticPeers, type PeerSource } from '../replication/peers.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import { readMemberRecord, Membership, type Member, type MemberRecord, type MembershipEvent, type MemberState } from './membership.js';
import type { NodeState } from './node-state.js';
import type { PeerHttp } from './peer-http.js';
import { parseSeed, resolveSeeds, systemResolver, type Seed, type SeedResolver } from './seeds.js';

export const GOSSIP_PATH = '/api/cluster/gossip.json';

/** Failed status polls in a row after which a static peer counts as unreachable. */
const STATIC_PEER_FAILURES = 3;

/** One row of `members.json` and `artemis cluster status`. */
export interface MemberView {
  nodeId: string | null;
  url: string;
  source: 'self' | 'gossip' | 'static';
  state: MemberState | 'polled' | 'unknown';
  status: NodeStatusText;
  regionId: string | null;
  zoneId: string | null;
  incarnation: number | null;
  heartbeat: number | null;
  /** Milliseconds since the member was last heard from; null for this node and static peers. */
  silentMs: number | null;
}

export interface ClusterManagerDeps {
  config: ClusterConfig;
  node: NodeState;
  clock: Clock;
  scheduler: Scheduler;
  http: PeerHttp;
  logger: Logger;
  resolver?: SeedResolver;
  /** Called on every member state change (metrics). */
  onEvent?: (event: MembershipEvent) => void;
}

type Polled = ServiceNodeStatus | 'pending' | 'unknown';

function unknownStatus(url: string, regionId: string | null, zoneId: string | null, status: NodeStatusText = 'unknown'): ServiceNodeStatus {
  const flag = status === 'down' ? false : null;
  return {
    allowDiscoveryFromOtherZone: null,
    allowRegistryFromOtherZone: null,
    canServiceDiscovery: flag,
    canServiceRegistry: flag,
    node: { url, zone: { metadata: null, regionId, zoneId } },
    status,
  };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Cluster membership of one node. Members find each other through seeds and gossip their
 * tables over HTTP every round (push and pull in one exchange); silent members become suspect,
 * then dead; a member refutes a false suspicion by raising its incarnation; a graceful stop
 * announces `left`. Static peers (nodes that do not gossip, such as Java Artemis nodes) are
 * followed by polling their `status/node.json`. The Java cluster views and the replication
 * targets are both read from here.
 */
export class ClusterManager implements PeerSource {
  readonly staticPeers: StaticPeers;
  private membership: Membership | null = null;
  private readonly seeds: Seed[];
  private seedUrls: string[] = [];
  /** Seed URLs that turned out to reach this node itself (e.g. its IP when it advertises a name). */
  private readonly selfAliases = new Set<string>();
  private readonly polled = new Map<string, Polled>();
  /** Consecutive failed polls per static peer. */
  private readonly pollFailures = new Map<string, number>();
  private readonly listeners: Array<() => void> = [];
  private lastPeers = '';
  private running = false;
  private readonly logger: Logger;

  constructor(private readonly deps: ClusterManagerDeps) {
    this.logger = deps.logger.child({ component: 'cluster' });
    this.seeds = deps.config.seeds.map(parseSeed);
    this.staticPeers = new StaticPeers(deps.config.peers, () => deps.node.self.url);
    this.staticPeers.onChange(() => {
      for (const url of this.polled.keys()) if (!this.staticPeers.peers().includes(url)) this.polled.delete(url);
      this.notifyIfChanged(true);
      if (this.running) void this.pollStaticPeers();
    });
  }

  private get selfUrl(): string {
    return normalizePeerUrl(this.deps.node.self.url);
  }

  /** Joins through the seeds (waiting at most `joinTimeoutMs`), then gossips periodically. */
  async start(nodeId: string): Promise<void> {
    const { config, clock, scheduler } = this.deps;
    this.membership = new Membership(
      { nodeId, url: this.selfUrl, incarnation: clock.now(), heartbeat: 0, state: 'alive', nodeStatus: this.deps.node.status },
      config,
    );
    this.running = true;
    const join = Promise.all([
      this.refreshSeeds().then(() => this.exchangeWith(this.seedUrls.filter((u) => u !== this.selfUrl))),
      this.pollStaticPeers(),
    ]);
    if (config.joinTimeoutMs > 0 && (this.seeds.length > 0 || this.staticPeers.peers().length > 0)) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([join, new Promise((resolve) => (timer = setTimeout(resolve, config.joinTimeoutMs)))]);
      clearTimeout(timer);
    }
    this.notifyIfChanged(true);
    scheduler.add({ name: 'cluster.gossip', intervalMs: config.gossipIntervalMs, jitter: 0.2, run: () => this.round() });
    scheduler.add({ name: 'cluster.static-peer-poll', intervalMs: config.statusPollIntervalMs, run: () => this.pollStaticPeers() });
    if (this.seeds.some((s) => s.kind !== 'url')) {
      scheduler.add({ name: 'cluster.seed-refresh', intervalMs: config.seedRefreshMs, run: () => this.refreshSeeds() });
    }
  }

  /** Runs one gossip round now (also used right after the node turns up). */
  async round(): Promise<void> {
    const m = this.membership;
    if (m === null || !this.running) return;
    m.tick();
    this.report(m.check(this.deps.clock.now()));
    const others = m.others();
    const live = shuffle(others.filter((x) => x.state === 'alive' || x.state === 'suspect')).slice(0, this.deps.config.gossipFanout);
    const targets = new Set(live.map((x) => x.url));
    // Probes of a dead member and of an unmet seed heal partitions and let newcomers in; they are
    // not waited for, so an address that swallows packets does not slow the round down.
    const probes: string[] = [];
    const dead = shuffle(others.filter((x) => x.state === 'dead'));
    if (dead[0] !== undefined) probes.push(dead[0].url);
    const liveUrls = new Set(others.filter((x) => x.state === 'alive').map((x) => x.url));
    const seed = shuffle(this.seedUrls.filter((u) => u !== this.selfUrl && !this.selfAliases.has(u) && !liveUrls.has(u)))[0];
    if (seed !== undefined) probes.push(seed);
    for (const url of probes) if (!targets.has(url)) void this.exchange(url).then(() => this.notifyIfChanged());
    await this.exchangeWith([...targets]);
    this.notifyIfChanged();
  }

  private async exchangeWith(urls: readonly string[]): Promise<void> {
    await Promise.all(urls.map((url) => this.exchange(url)));
  }

  /** One push-pull exchange: sends this node's table, merges the answer. */
  private async exchange(url: string): Promise<void> {
    const m = this.membership;
    if (m === null) return;
    this.refreshSelf();
    try {
      const answer = await this.deps.http.postJson(`${url}${GOSSIP_PATH}`, { members: m.records() }, this.deps.config.gossipTimeoutMs);
      const records = ClusterManager.readRecords(answer);
      if (records === null) throw new Error('answer is not a gossip message');
      if (records[0]?.nodeId === m.self.nodeId) {
        this.selfAliases.add(url);
        return;
      }
      this.report(m.merge(records, this.deps.clock.now()));
      if (records[0] !== undefined) m.heardFrom(records[0].nodeId, this.deps.clock.now());
    } catch (err) {
      this.logger.debug({ ...errorFields(err), peer: url }, 'gossip exchange failed');
    }
  }

  private static readRecords(body: unknown): MemberRecord[] | null {
    const members = (body as { members?: unknown } | null)?.members;
    if (!Array.isArray(members) || members.length > 10_000) return null;
    return members.map(readMemberRecord).filter((r): r is MemberRecord => r !== null);
  }

  /**
   * The receiving side of an exchange: merges the caller's table and answers with this node's.
   * Returns null for a body that is not a gossip message.
   */
  handleGossip(body: unknown): { members: MemberRecord[] } | null {
    const m = this.membership;
    const records = ClusterManager.readRecords(body);
    if (records === null) return null;
    if (m === null) return { members: [] };
    const now = this.deps.clock.now();
    this.report(m.merge(records, now));
    if (records[0] !== undefined) m.heardFrom(records[0].nodeId, now);
    this.refreshSelf();
    this.notifyIfChanged();
    return { members: m.records() };
  }

  private refreshSelf(): void {
    const m = this.membership;
    if (m === null) return;
    if (m.self.nodeStatus !== this.deps.node.status || m.self.url !== this.selfUrl) {
      m.updateSelf({ nodeStatus: this.deps.node.status, url: this.selfUrl });
    }
  }

  private report(events: MembershipEvent[]): void {
    for (const e of events) {
      this.deps.onEvent?.(e);
      const level = e.to === 'alive' ? 'info' : 'warn';
      this.logger[level]({ member: e.nodeId, url: e.url, from: e.from, to: e.to }, 'cluster member state changed');
    }
  }

  private async refreshSeeds(): Promise<void> {
    this.seedUrls = await resolveSeeds(this.seeds, this.deps.resolver ?? systemResolver, (seed, err) =>
      this.logger.warn({ ...errorFields(err), seed }, 'seed did not resolve'),
    );
  }

  /** Polls every static peer's `status/node.json` (spec 9.3). */
  async pollStaticPeers(): Promise<void> {
    const peers = this.staticPeers.peers();
    await Promise.all(
      peers.map(async (url) => {
        let result: Polled = 'unknown';
        try {
          const body = (await this.deps.http.postJson(`${url}/api/status/node.json`, {}, this.deps.config.gossipTimeoutMs)) as {
            nodeStatus?: ServiceNodeStatus;
            responseStatus?: { status?: string };
          };
          if (body?.responseStatus?.status === 'success' && body.nodeStatus?.node !== undefined) result = body.nodeStatus;
        } catch (err) {
          this.logger.debug({ ...errorFields(err), peer: url }, 'static peer status poll failed');
        }
        if (!this.staticPeers.peers().includes(url)) return;
        // One slow answer does not take a peer out of replication: three failures in a row do.
        const failures = result === 'unknown' ? (this.pollFailures.get(url) ?? 0) + 1 : 0;
        this.pollFailures.set(url, failures);
        const previous = this.polled.get(url);
        if (result !== 'unknown' || failures >= STATIC_PEER_FAILURES || previous === undefined || previous === 'pending') this.polled.set(url, result);
      }),
    );
    this.notifyIfChanged();
  }

  // ---- PeerSource: where replication sends client writes ----

  /** Live peers: gossip members alive or suspect and not shutting down, and reachable static peers. */
  peers(): string[] {
    const out = new Set<string>();
    const self = this.selfUrl;
    for (const x of this.membership?.others() ?? []) {
      if ((x.state === 'alive' || x.state === 'suspect') && x.nodeStatus.status !== 'down') out.add(normalizePeerUrl(x.url));
    }
    for (const url of this.staticPeers.peers()) {
      const p = this.polled.get(url) ?? 'pending';
      if (p === 'pending' || (p !== 'unknown' && p.status !== 'down')) out.add(url);
    }
    out.delete(self);
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
    for (const x of this.membership?.others() ?? []) if (x.state === 'alive' && x.nodeStatus.status === 'up') out.add(x.url);
    for (const [url, p] of this.polled) if (p !== 'pending' && p !== 'unknown' && p.status === 'up') out.add(url);
    for (const url of this.staticPeers.peers()) if (!this.polled.has(url)) out.add(url);
    out.delete(this.selfUrl);
    return [...out];
  }

  // ---- Java-compatible views ----

  private memberStatus(x: Member): ServiceNodeStatus {
    const zone = x.nodeStatus.node.zone;
    if (x.state === 'alive') return { ...x.nodeStatus, node: { ...x.nodeStatus.node, url: x.url } };
    return unknownStatus(x.url, zone.regionId, zone.zoneId, x.state === 'left' ? 'down' : 'unknown');
  }

  /**
   * Status of every node of the cluster as the Java views show it: this node first, then the
   * other nodes of its zone, then the other zones. Suspect and dead members show `unknown`,
   * departed ones `down`.
   */
  statuses(): ServiceNodeStatus[] {
    const self = this.deps.node.status;
    const seen = new Set<string>([this.selfUrl]);
    const rest: ServiceNodeStatus[] = [];
    // When two node ids claim one URL (a node recreated under a new id), the livelier wins.
    const rank: Record<MemberState, number> = { alive: 0, suspect: 1, left: 2, dead: 3 };
    const members = [...(this.membership?.others() ?? [])].sort((x, y) => rank[x.state] - rank[y.state]);
    for (const x of members) {
      const url = normalizePeerUrl(x.url);
      if (seen.has(url)) continue;
      seen.add(url);
      rest.push(this.memberStatus(x));
    }
    for (const url of this.staticPeers.peers()) {
      if (seen.has(url)) continue;
      seen.add(url);
      const p = this.polled.get(url);
      rest.push(p === undefined || p === 'pending' || p === 'unknown' ? unknownStatus(url, this.deps.node.regionId, null) : p);
    }
    const localZone = (s: ServiceNodeStatus) => s.node.zone.zoneId === this.deps.node.zoneId;
    return [self, ...rest.filter(localZone), ...rest.filter((s) => !localZone(s))];
  }

  /** Every member with its gossip state, for `members.json`. */
  members(): MemberView[] {
    const now = this.deps.clock.now();
    const self = this.membership?.self;
    const status = this.deps.node.status;
    const out: MemberView[] = [
      {
        nodeId: self?.nodeId ?? null, url: this.selfUrl, source: 'self', state: self?.state ?? 'alive', status: status.status,
        regionId: status.node.zone.regionId, zoneId: status.node.zone.zoneId,
        incarnation: self?.incarnation ?? null, heartbeat: self?.heartbeat ?? null, silentMs: null,
      },
    ];
    for (const x of this.membership?.others() ?? []) {
      out.push({
        nodeId: x.nodeId, url: x.url, source: 'gossip', state: x.state, status: x.nodeStatus.status,
        regionId: x.nodeStatus.node.zone.regionId, zoneId: x.nodeStatus.node.zone.zoneId,
        incarnation: x.incarnation, heartbeat: x.heartbeat, silentMs: Math.max(0, now - x.lastHeardAt),
      });
    }
    for (const url of this.staticPeers.peers()) {
      const p = this.polled.get(url);
      const polled = p !== undefined && p !== 'pending' && p !== 'unknown' ? p : null;
      out.push({
        nodeId: null, url, source: 'static', state: polled === null ? 'unknown' : 'polled', status: polled?.status ?? 'unknown',
        regionId: polled?.node.zone.regionId ?? null, zoneId: polled?.node.zone.zoneId ?? null,
        incarnation: null, heartbeat: null, silentMs: null,
      });
    }
    return out;
  }

  /**
   * Graceful leave: marks this node `left` and tells every live member at once, waiting at
   * most `timeoutMs` for their answers. Gossip stops afterwards.
   */
  async leave(timeoutMs: number): Promise<void> {
    const m = this.membership;
    if (m === null || !this.running) return;
    this.running = false;
    this.refreshSelf();
    m.updateSelf({ state: 'left' });
    const targets = m.others().filter((x) => x.state === 'alive' || x.state === 'suspect').map((x) => x.url);
    if (targets.length === 0) return;
    const body = { members: m.records() };
    const timeout = Math.max(10, Math.min(timeoutMs, this.deps.config.gossipTimeoutMs));
    await Promise.all(
      targets.map((url) =>
        this.deps.http.postJson(`${url}${GOSSIP_PATH}`, body, timeout).catch((err: unknown) => {
          this.logger.debug({ ...errorFields(err), peer: url }, 'leave announcement failed');
        }),
      ),
    );
    this.logger.info({ peers: targets.length }, 'announced leave to the cluster');
  }

}

import type { Clock } from '../core/clock.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import { isLive, readMemberRecord, Membership, type GossipRefusal, type MemberRecord, type MembershipEvent, type MembershipSettings } from './membership.js';
import type { NodeState } from './node-state.js';
import type { PeerHttp } from './peer-http.js';
import { parseSeed, resolveSeeds, systemResolver, type Seed, type SeedResolver } from './seeds.js';
import { normalizePeerUrl } from './static-peers.js';

export const GOSSIP_PATH = '/api/cluster/gossip.json';

/** The `cluster.*` settings of gossip. */
export interface GossipSettings extends MembershipSettings {
  seeds: readonly string[];
  gossipIntervalMs: number;
  gossipFanout: number;
  gossipTimeoutMs: number;
  seedRefreshMs: number;
}

export interface GossipDeps {
  settings: GossipSettings;
  node: NodeState;
  clock: Clock;
  http: PeerHttp;
  logger: Logger;
  resolver?: SeedResolver | undefined;
  /** Called on every member state change (metrics). */
  onEvent?: ((event: MembershipEvent) => void) | undefined;
  /** Called for every gossiped record (or URL) not taken, by the rule that refuses it (metrics). */
  onRefused?: ((reason: GossipRefusal) => void) | undefined;
  /** Called after every merge: the live peers may have changed. */
  onMerged: () => void;
  /** This node's management store identity, gossiped so that peers can tell a split store ('' while unknown). */
  storeId?: (() => string) | undefined;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function readRecords(body: unknown, onRefused: (reason: GossipRefusal) => void): MemberRecord[] | null {
  const members = (body as { members?: unknown } | null)?.members;
  if (!Array.isArray(members) || members.length > 10_000) return null;
  const records: MemberRecord[] = [];
  for (const value of members) {
    const r = readMemberRecord(value);
    if (r === null) onRefused('malformed');
    else records.push(r);
  }
  return records;
}

/**
 * The gossip side of cluster membership. Members find each other through seeds and gossip their
 * tables over HTTP every round (push and pull in one exchange); silent members become suspect,
 * then dead; a member refutes a false suspicion by raising its incarnation; a graceful stop
 * announces `left`.
 */
export class Gossip {
  private table: Membership | null = null;
  private readonly seeds: Seed[];
  private seedUrls: string[] = [];
  /** Seed URLs that turned out to reach this node itself (e.g. its IP when it advertises a name). */
  private readonly selfAliases = new Set<string>();

  constructor(private readonly deps: GossipDeps) {
    this.seeds = deps.settings.seeds.map(parseSeed);
  }

  /** The membership table, once joined. */
  get membership(): Membership | null {
    return this.table;
  }

  get hasSeeds(): boolean {
    return this.seeds.length > 0;
  }

  /** Whether the seeds need resolving again now and then (DNS seeds). */
  get hasDnsSeeds(): boolean {
    return this.seeds.some((s) => s.kind !== 'url');
  }

  get selfUrl(): string {
    return normalizePeerUrl(this.deps.node.self.url);
  }

  /** Builds this node's table and exchanges it with every seed. */
  async join(nodeId: string): Promise<void> {
    this.table = new Membership(
      { nodeId, url: this.selfUrl, incarnation: this.deps.clock.now(), heartbeat: 0, state: 'alive', nodeStatus: this.deps.node.status, storeId: this.storeId },
      this.deps.settings,
      this.refused,
    );
    await this.refreshSeeds();
    await this.exchangeWith(this.seedUrls.filter((u) => u !== this.selfUrl));
  }

  /** One gossip round: tick own heartbeat → suspect/dead checks → exchange with fanout live members. */
  async round(): Promise<void> {
    const m = this.table;
    if (m === null) return;
    m.tick();
    this.report(m.check(this.deps.clock.now()));
    const live = shuffle(m.others().filter(isLive)).slice(0, this.deps.settings.gossipFanout);
    await this.exchangeWith(live.map((x) => x.url));
    this.deps.onMerged();
  }

  /**
   * Probes one dead member and one seed that is no live member: they heal partitions and let
   * newcomers in. A task of its own beside the round, so that an address that swallows packets
   * does not slow the round down.
   */
  async probe(): Promise<void> {
    const m = this.table;
    if (m === null) return;
    const others = m.others();
    const live = new Set(others.filter(isLive).map((x) => x.url));
    const targets = new Set<string>();
    const dead = shuffle(others.filter((x) => x.state === 'dead'))[0];
    if (dead !== undefined && !live.has(dead.url)) targets.add(dead.url);
    const seed = shuffle(this.seedUrls.filter((u) => u !== this.selfUrl && !this.selfAliases.has(u) && !live.has(u)))[0];
    if (seed !== undefined) targets.add(seed);
    if (targets.size === 0) return;
    await this.exchangeWith([...targets]);
    this.deps.onMerged();
  }

  private async exchangeWith(urls: readonly string[]): Promise<void> {
    await Promise.all(urls.map((url) => this.exchange(url)));
  }

  /** One push-pull exchange: sends this node's table, merges the answer. */
  private async exchange(url: string): Promise<void> {
    const m = this.table;
    if (m === null) return;
    this.refreshSelf();
    try {
      const answer = await this.deps.http.postJson(`${url}${GOSSIP_PATH}`, { members: m.records() }, this.deps.settings.gossipTimeoutMs);
      const records = readRecords(answer, this.refused);
      if (records === null) throw new Error('answer is not a gossip message');
      if (records[0]?.nodeId === m.self.nodeId) {
        this.selfAliases.add(url);
        return;
      }
      // The answer's first record is the answering node's own.
      this.report(m.merge(records, this.deps.clock.now(), records[0]?.nodeId));
      if (records[0] !== undefined) m.heardFrom(records[0].nodeId, this.deps.clock.now());
    } catch (err) {
      this.logger.debug({ ...errorFields(err), peer: url }, 'gossip exchange failed');
    }
  }

  private readonly refused = (reason: GossipRefusal): void => this.deps.onRefused?.(reason);

  private get logger(): Logger {
    return this.deps.logger;
  }

  /**
   * The receiving side of an exchange: merges the caller's table and answers with this node's.
   * Returns null for a body that is not a gossip message.
   */
  handle(body: unknown): { members: MemberRecord[] } | null {
    const m = this.table;
    const records = readRecords(body, this.refused);
    if (records === null) return null;
    if (m === null) return { members: [] };
    const now = this.deps.clock.now();
    // The caller's own record comes first.
    this.report(m.merge(records, now, records[0]?.nodeId));
    if (records[0] !== undefined) m.heardFrom(records[0].nodeId, now);
    this.refreshSelf();
    this.deps.onMerged();
    return { members: m.records() };
  }

  private refreshSelf(): void {
    const m = this.table;
    if (m === null) return;
    if (m.self.nodeStatus !== this.deps.node.status || m.self.url !== this.selfUrl || m.self.storeId !== this.storeId) {
      m.updateSelf({ nodeStatus: this.deps.node.status, url: this.selfUrl, storeId: this.storeId });
    }
  }

  private get storeId(): string {
    return this.deps.storeId?.() ?? '';
  }

  private report(events: MembershipEvent[]): void {
    for (const e of events) {
      this.deps.onEvent?.(e);
      const level = e.to === 'alive' ? 'info' : 'warn';
      this.logger[level]({ member: e.nodeId, url: e.url, from: e.from, to: e.to }, 'cluster member state changed');
    }
  }

  async refreshSeeds(): Promise<void> {
    this.seedUrls = await resolveSeeds(this.seeds, this.deps.resolver ?? systemResolver, (seed, err) =>
      this.logger.warn({ ...errorFields(err), seed }, 'seed did not resolve'),
    );
  }

  /**
   * Graceful leave: marks this node `left` and tells every live member at once, waiting at
   * most `timeoutMs` for their answers.
   */
  async leave(timeoutMs: number): Promise<void> {
    const m = this.table;
    if (m === null) return;
    this.refreshSelf();
    m.updateSelf({ state: 'left' });
    const targets = m.others().filter(isLive).map((x) => x.url);
    if (targets.length === 0) return;
    const body = { members: m.records() };
    const timeout = Math.max(10, Math.min(timeoutMs, this.deps.settings.gossipTimeoutMs));
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

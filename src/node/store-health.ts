import { Gauge } from 'prom-client';
import type { TaskScheduler } from '../core/scheduler.js';
import type { ManagementStore } from '../store/management-store.js';
import { StoreUnavailableError } from '../store/store-errors.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { MemberStore, StoreStatusView } from '../web/api/store-status.js';


export interface StoreHealthDeps {
  store: ManagementStore;
  /** Live gossip members and their store identities; none until {@link StoreHealth.watchPeers} names them. */
  members?: () => MemberStore[];
  nodeLocal: boolean;
  logger: Logger;
  metrics: NodeMetrics;
  scheduler: TaskScheduler;
  /** How often outages and split stores are checked for their log lines. */
  checkIntervalMs: number;
  /** Clock of the outage lengths. */
  now?: () => number;
}

/** The message of the line that starts an outage (event `store-outage`). */
const STORE_OUTAGE_LOG = 'management store unavailable';
/** The message of the line that ends it (event `store-recovered`). */
const STORE_RECOVERED_LOG = 'management store available again';

/**
 * Logs a failure of the management store: an unreachable store at debug level only, since its
 * outage is the one line {@link StoreHealth.observe} writes (`observe`, when given, is then
 * called), any other failure at `level`.
 */
export function logStoreFailure(logger: Logger, err: unknown, level: 'warn' | 'error', message: string, fields: object = {}, observe?: () => void): void {
  if (err instanceof StoreUnavailableError) {
    logger.debug({ ...errorFields(err), ...fields }, message);
    observe?.();
  } else logger[level]({ ...errorFields(err), ...fields }, message);
}

/**
 * One management state per cluster, checked: this node's store identity against the ones its
 * live peers gossip, and whether the store answers. A peer on another store makes the node
 * unready and refuses management writes (unless store.nodeLocal); an unreachable store refuses
 * management writes only, since registry and discovery go on from memory. Both show in
 * `/api/status/store.json`, in the metrics `artemis_store_available` and
 * `artemis_store_peers_on_other_store`, and in a log line when they change.
 */
export class StoreHealth {
  private loggedAvailable = true;
  private loggedSplit = '';
  /** Epoch ms since when the logged outage runs; 0 while none. */
  private outageStart = 0;
  private readonly now: () => number;
  private members: () => MemberStore[];

  constructor(private readonly deps: StoreHealthDeps) {
    this.now = deps.now ?? Date.now;
    this.members = deps.members ?? (() => []);
    const onOtherStore = () => this.peersOnOtherStore().length;
    new Gauge({
      name: 'artemis_store_available',
      help: '1 while the management store answers, 0 during an outage (management writes are refused).',
      registers: [deps.metrics.registry],
      collect() {
        this.set(deps.store.availability().available ? 1 : 0);
      },
    });
    new Gauge({
      name: 'artemis_store_peers_on_other_store',
      help: 'Live peers that announce another management store than this node (not ready while above 0, unless store.nodeLocal).',
      registers: [deps.metrics.registry],
      collect() {
        this.set(onOtherStore());
      },
    });
    deps.scheduler.add({ name: 'store.health', intervalMs: deps.checkIntervalMs, run: () => this.check() });
  }

  /** Compares this node's store with the ones the live `members` announce (the cluster, built after the store). */
  watchPeers(members: () => MemberStore[]): void {
    this.members = members;
  }

  /** This node's store identity, '' until the store is open. */
  identity(): string {
    try {
      return this.deps.store.identity();
    } catch {
      return '';
    }
  }

  /** Live peers whose announced store differs from this node's (peers that announce none are left out). */
  peersOnOtherStore(): MemberStore[] {
    const own = this.identity();
    if (own === '') return [];
    return this.members().filter((m) => m.storeId !== '' && m.storeId !== own);
  }

  /** The peers on another store, described, when they should stop management writes (empty with store.nodeLocal). */
  writeBlockers(): string[] {
    if (this.deps.nodeLocal) return [];
    return this.peersOnOtherStore().map((m) => `${m.nodeId} at ${m.url} uses store ${m.storeId}`);
  }

  /** Why the node should not report ready, or null. */
  notReadyReason(): string | null {
    const others = this.writeBlockers();
    if (others.length === 0) return null;
    return `management store ${this.identity()} differs from the peers': ${others.join('; ')} (set store.nodeLocal to run with node-local management state)`;
  }

  status(): StoreStatusView {
    const own = this.identity();
    const a = this.deps.store.availability();
    const notReadyReason = this.notReadyReason();
    return {
      kind: this.deps.store.kind,
      storeId: own,
      available: a.available,
      unavailableSince: a.since,
      lastError: a.reason,
      nodeLocal: this.deps.nodeLocal,
      acceptsWrites: a.available && notReadyReason === null,
      notReadyReason,
      peers: this.members().map((m) => ({ ...m, sameStore: m.storeId === own })),
    };
  }

  /**
   * Logs a change of availability or of the peers on another store. While the store is
   * unavailable, it is asked for its revision once a round, so that an outage ends as soon as the
   * store answers, also when nothing else asks it (a hung server whose connection stayed open).
   */
  async check(): Promise<void> {
    if (!this.deps.store.availability().available) await this.deps.store.revision().catch(() => undefined);
    this.observe();
    const others = this.peersOnOtherStore();
    const split = others.map((m) => `${m.nodeId}=${m.storeId}`).sort().join(',');
    if (split !== this.loggedSplit) {
      this.loggedSplit = split;
      const fields = { storeId: this.identity(), nodeLocal: this.deps.nodeLocal, peers: others };
      if (split === '') this.deps.logger.info(fields, 'management store shared with every live peer');
      else this.deps.logger.warn(fields, this.deps.nodeLocal ? 'peers use another management store (node-local by store.nodeLocal)' : 'peers use another management store: not ready, management writes refused');
    }
  }

  /**
   * The one log line of each outage (`store-outage`, warn) and of its end (`store-recovered`,
   * info, with `outageMs`), from the store's availability: called by the periodic check and at
   * once by whoever sees a store failure, so that an outage is logged when it starts, once.
   */
  observe(): void {
    const a = this.deps.store.availability();
    if (a.available === this.loggedAvailable) return;
    this.loggedAvailable = a.available;
    const store = this.deps.store.kind;
    if (a.available) {
      const outageMs = this.outageStart === 0 ? 0 : Math.max(0, this.now() - this.outageStart);
      this.outageStart = 0;
      this.deps.logger.info({ event: 'store-recovered', store, outageMs }, STORE_RECOVERED_LOG);
    } else {
      this.outageStart = a.since === 0 ? this.now() : a.since;
      this.deps.logger.warn({ event: 'store-outage', store, reason: a.reason, since: this.outageStart, effect: 'management writes are refused; registry and discovery go on from memory' }, STORE_OUTAGE_LOG);
    }
  }
}

import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import { errorFields, type Logger } from '../telemetry/logger.js';
import { PeerCallError, type PeerHttp } from '../cluster/peer-http.js';
import type { PeerSource } from './peers.js';
import type { RegistryDigest, RepairPlan, ServiceDiff, StampedInstance } from './registry-digest.js';
import { ANTI_ENTROPY_SERVICES_PER_ROUND } from '../core/wire/cluster.js';

export { RegistryDigest, type RepairPlan, type ServiceDiff, type StampedInstance } from './registry-digest.js';

/** Applies repairs through the replication pipeline (validated, ordered by stamp, never forwarded). */
export interface RepairSink {
  /** Registers copies; each lease is then back-dated to the sender's last renewal. */
  register(copies: RepairPlan['register']): void;
  /** Unregistrations with the stamp of the registration they ended. */
  unregister(tombstones: RepairPlan['unregister']): void;
}

/** Calls to a peer's anti-entropy endpoints. */
export interface AntiEntropyClient {
  /**
   * The peer's per-service digests; `same` when its root equals `root` (nothing differs); null
   * when the peer lacks the endpoint.
   */
  digests(peer: string, root: string): Promise<Record<string, string> | 'same' | null>;
  diff(peer: string, serviceKeys: string[]): Promise<ServiceDiff[] | null>;
}

export const DIGEST_PATH = '/api/replication/registry/digest.json';
export const DIFF_PATH = '/api/replication/registry/diff.json';

/** A peer that lacked the endpoints is asked again after this long. */
const UNSUPPORTED_RETRY_MS = 600_000;

export interface AntiEntropyDeps {
  digest: RegistryDigest;
  peers: PeerSource;
  client: AntiEntropyClient;
  sink: RepairSink;
  logger: Logger;
  metricsRegistry: Registry;
}

/**
 * Periodic repair between peers: each round compares digests with every live peer and pulls
 * the services that differed in this round and the one before (a single mismatch is usually a
 * write still being replicated). Every node pulls, so a difference is healed from both sides
 * within two or three rounds. Peers without the endpoints (Java nodes) are left alone.
 */
export class AntiEntropy {
  private readonly repairs: Counter<'kind'>;
  private readonly rounds: Counter<'result'>;
  /** Peers without the anti-entropy endpoints, with the time that was found. */
  private readonly unsupported = new Map<string, number>();
  /** Per peer: the services that differed in the previous round. */
  private readonly previous = new Map<string, Set<string>>();

  constructor(private readonly deps: AntiEntropyDeps) {
    this.repairs = new Counter({
      name: 'artemis_anti_entropy_repairs_total',
      help: 'Instances registered or removed by anti-entropy repair.',
      labelNames: ['kind'],
      registers: [deps.metricsRegistry],
    });
    this.rounds = new Counter({
      name: 'artemis_anti_entropy_exchanges_total',
      help: 'Digest comparisons with a peer, by result (same, pending: differs for the first time, repaired, failed).',
      labelNames: ['result'],
      registers: [deps.metricsRegistry],
    });
  }

  /** One round against every live peer. */
  async round(): Promise<void> {
    this.deps.digest.prune();
    const peers = this.deps.peers.peers();
    const live = new Set(peers);
    for (const p of this.previous.keys()) if (!live.has(p)) this.previous.delete(p);
    // A peer without the endpoints is asked again after a while (it may have been replaced).
    const now = Date.now();
    for (const [p, since] of this.unsupported) if (!live.has(p) || now - since > UNSUPPORTED_RETRY_MS) this.unsupported.delete(p);
    await Promise.all(peers.filter((p) => !this.unsupported.has(p)).map((p) => this.syncWith(p)));
  }

  /** Compares digests with one peer and applies what it has that this node lacks. */
  async syncWith(peer: string): Promise<void> {
    const { client, digest, sink } = this.deps;
    try {
      await digest.settle();
      const theirs = await client.digests(peer, digest.root());
      if (theirs === null) {
        this.unsupported.set(peer, Date.now());
        return;
      }
      if (theirs === 'same') {
        this.previous.delete(peer);
        this.rounds.inc({ result: 'same' });
        return;
      }
      // A service that differs in one round only is usually a write still in flight; repair
      // what differed in two consecutive rounds.
      await digest.settle();
      const differing = digest.differing(theirs);
      const before = this.previous.get(peer);
      this.previous.set(peer, new Set(differing));
      const keys = differing.filter((k) => before?.has(k) === true).slice(0, ANTI_ENTROPY_SERVICES_PER_ROUND);
      if (keys.length === 0) {
        this.rounds.inc({ result: differing.length === 0 ? 'same' : 'pending' });
        return;
      }
      const diffs = await client.diff(peer, keys);
      if (diffs === null) return;
      const plan = digest.plan(diffs);
      if (plan.register.length > 0) sink.register(plan.register);
      if (plan.unregister.length > 0) sink.unregister(plan.unregister);
      this.repairs.inc({ kind: 'register' }, plan.register.length);
      this.repairs.inc({ kind: 'unregister' }, plan.unregister.length);
      this.rounds.inc({ result: plan.register.length + plan.unregister.length > 0 ? 'repaired' : 'same' });
      if (plan.register.length + plan.unregister.length > 0) {
        this.deps.logger.info({ peer, services: keys.length, registered: plan.register.length, removed: plan.unregister.length }, 'anti-entropy repaired differences');
      }
    } catch (err) {
      this.rounds.inc({ result: 'failed' });
      this.deps.logger.debug({ ...errorFields(err), peer }, 'anti-entropy exchange failed');
    }
  }
}

/** The anti-entropy endpoints of peers over HTTP; a peer answering 404 does not have them. */
export function httpAntiEntropyClient(http: PeerHttp, timeoutMs: number): AntiEntropyClient {
  const call = async (url: string, body: unknown): Promise<Record<string, unknown> | null> => {
    try {
      const answer = (await http.postJson(url, body, timeoutMs)) as Record<string, unknown> | null;
      const status = (answer?.['responseStatus'] as { status?: unknown } | undefined)?.status;
      if (status !== 'success') throw new Error(`peer answered ${String(status)}`);
      return answer;
    } catch (err) {
      if (err instanceof PeerCallError && (err.httpStatus === 404 || err.httpStatus === 405)) return null;
      throw err;
    }
  };
  return {
    async digests(peer, root) {
      const answer = await call(`${peer}${DIGEST_PATH}`, { root });
      if (answer === null) return null;
      if (answer['root'] === root) return 'same';
      const digests = answer['digests'];
      if (digests === null || typeof digests !== 'object' || Array.isArray(digests)) throw new Error('digest answer without digests');
      return digests as Record<string, string>;
    },
    async diff(peer, serviceKeys) {
      const answer = await call(`${peer}${DIFF_PATH}`, { serviceIds: serviceKeys });
      if (answer === null) return null;
      const services = answer['services'];
      if (!Array.isArray(services)) throw new Error('diff answer without services');
      return services.filter(isServiceDiff);
    },
  };
}

function isStamped(value: unknown): value is StampedInstance {
  const v = value as StampedInstance | null;
  return v !== null && typeof v === 'object' && typeof v.stamp === 'number' && v.instance !== null && typeof v.instance === 'object';
}

function isServiceDiff(value: unknown): value is ServiceDiff {
  const v = value as ServiceDiff | null;
  return (
    v !== null && typeof v === 'object' && typeof v.serviceId === 'string' &&
    Array.isArray(v.instances) && v.instances.every(isStamped) &&
    Array.isArray(v.tombstones) && v.tombstones.every(isStamped)
  );
}

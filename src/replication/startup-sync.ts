import type { Logger } from '../telemetry/logger.js';

/** What the start-up copy needs. */
export interface StartupSyncDeps {
  peers: readonly string[];
  regionId: string;
  timeoutMs: number;
  /** Headers of the GET of `url` (accept, the signature). */
  headers?: (url: string) => Record<string, string>;
  /** How the calls are made (the node's peer TLS); Node's fetch by default. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** False for peers whose link is cut (tests). */
  allows?: (url: string) => boolean;
  /** Applies the merged copy locally without forwarding it. */
  apply(copy: RegistryCopy): void;
  logger: Logger;
}

/** One copied instance: its registration's order stamp and lease age when the peer told them. */
export interface CopiedInstance {
  instance: unknown;
  stamp?: number;
  renewedAgoMs?: number;
}

/** The union of the peers' registries, merged by order stamp. */
export interface RegistryCopy {
  instances: CopiedInstance[];
  /** Unregistrations the peers know of: [instance, stamp of the unregistration]. */
  tombstones: Array<{ instance: unknown; stamp: number }>;
  /** Renewals per lease per second by lease table name, from the peers that told it (highest). */
  renewalRates: Record<string, number>;
}

/** Result of the start-up copy: the peer copied from (null when none answered) and the instance count. */
export interface StartupSyncResult {
  peer: string | null;
  instances: number;
}

interface PeerAnswer {
  peer: string;
  services: unknown[];
  leaseState: LeaseState | null;
}

/** The optional `leaseState` of a copy answer (our nodes send it when asked; Java peers never do). */
interface LeaseState {
  services: unknown[];
  tombstones: unknown[];
  renewalRates: Record<string, unknown>;
}

function readLeaseState(value: unknown): LeaseState | null {
  const v = value as Partial<LeaseState> | null | undefined;
  if (v === null || typeof v !== 'object' || !Array.isArray(v.services)) return null;
  const rates = v.renewalRates !== null && typeof v.renewalRates === 'object' ? v.renewalRates : {};
  return { services: v.services, tombstones: Array.isArray(v.tombstones) ? v.tombstones : [], renewalRates: rates };
}

async function fetchServices(
  peer: string,
  regionId: string,
  signal: AbortSignal,
  headers: (url: string) => Record<string, string>,
  fetchFn: (url: string, init: RequestInit) => Promise<Response>,
): Promise<PeerAnswer> {
  const url = `${peer}/api/replication/registry/services.json?regionId=${encodeURIComponent(regionId)}&leaseState=true`;
  const res = await fetchFn(url, { signal, headers: { accept: 'application/json', 'accept-encoding': 'gzip', ...headers(url) } });
  if (!res.ok) throw new Error(`${peer} answered HTTP ${res.status}`);
  const body = (await res.json()) as { responseStatus?: { status?: unknown }; services?: unknown; leaseState?: unknown };
  if (body.responseStatus?.status !== 'success' || !Array.isArray(body.services)) throw new Error(`${peer} refused the copy`);
  return { peer, services: body.services, leaseState: readLeaseState(body.leaseState) };
}

const identity = (i: unknown): string => {
  const o = i as { serviceId?: unknown; instanceId?: unknown } | null;
  return `${String(o?.serviceId).toLowerCase()}\u0000${String(o?.instanceId).toLowerCase()}`;
};

const isStampValue = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/**
 * Merges the peers' answers: per instance the copy of the latest registration (by order stamp;
 * an unstamped copy from a Java peer only where no stamped one exists), with the most recent
 * renewal any peer saw of that registration; a tombstone removes every copy of the registration
 * stamped up to it.
 */
export function mergeCopies(answers: readonly PeerAnswer[]): RegistryCopy {
  const live = new Map<string, CopiedInstance>();
  const dead = new Map<string, { instance: unknown; stamp: number }>();
  const renewalRates: Record<string, number> = {};
  for (const { services, leaseState } of answers) {
    for (const [table, rate] of Object.entries(leaseState?.renewalRates ?? {})) {
      if (typeof rate === 'number' && rate > 0) renewalRates[table] = Math.max(renewalRates[table] ?? 0, rate);
    }
    for (const t of leaseState?.tombstones ?? []) {
      const { instance, stamp } = (t ?? {}) as { instance?: unknown; stamp?: unknown };
      if (instance === null || typeof instance !== 'object' || !isStampValue(stamp)) continue;
      const key = identity(instance);
      if ((dead.get(key)?.stamp ?? 0) < stamp) dead.set(key, { instance, stamp });
    }
    services.forEach((service, i) => {
      const instances = (service as { instances?: unknown } | null)?.instances;
      if (!Array.isArray(instances)) return;
      const states = leaseState === null ? null : leaseState.services[i];
      instances.forEach((instance, j) => {
        const state = Array.isArray(states) ? (states[j] as unknown) : undefined;
        // null: unregistered on the peer, not removed yet (its tombstone is in the list).
        if (state === null) return;
        const [stamp, age] = Array.isArray(state) ? (state as unknown[]) : [];
        const copy: CopiedInstance = { instance };
        if (isStampValue(stamp)) copy.stamp = stamp;
        if (typeof age === 'number' && age >= 0) copy.renewedAgoMs = age;
        const key = identity(instance);
        const held = live.get(key);
        const newer = held === undefined || (copy.stamp ?? 0) > (held.stamp ?? 0);
        if (newer) live.set(key, copy);
        else if (copy.stamp === held.stamp && copy.renewedAgoMs !== undefined) {
          held.renewedAgoMs = Math.min(held.renewedAgoMs ?? Infinity, copy.renewedAgoMs);
        }
      });
    });
  }
  for (const [key, t] of dead) {
    const held = live.get(key);
    if (held !== undefined && (held.stamp === undefined || held.stamp <= t.stamp)) live.delete(key);
  }
  return { instances: [...live.values()], tombstones: [...dead.values()], renewalRates };
}

/** How long the other peers may take to answer once the first has, before the copy is applied. */
const GRACE_MS = 300;

/**
 * Spec 9.5, improved: asks every peer at once for `services.json` of this region and copies the
 * registry of the first that answers with success (an empty registry counts), together with the
 * registries of the peers that answer within a short grace after it: a peer whose replication is
 * still in flight cannot leave the new node short, since the copy is their union. When none
 * answers within `timeoutMs` the node starts empty, so a lone first node still comes up.
 */
export async function copyRegistryFromPeers(deps: StartupSyncDeps): Promise<StartupSyncResult> {
  const peers = deps.peers.filter((p) => deps.allows?.(p) ?? true);
  if (peers.length === 0 || deps.timeoutMs <= 0) return { peer: null, instances: 0 };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deps.timeoutMs);
  timer.unref();
  const answered: PeerAnswer[] = [];
  const calls = peers.map((p) => fetchServices(p, deps.regionId, controller.signal, deps.headers ?? (() => ({})), deps.fetch ?? fetch).then((r) => void answered.push(r)));
  try {
    await Promise.any(calls);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(calls), new Promise<void>((resolve) => (grace = setTimeout(resolve, GRACE_MS)))]);
    clearTimeout(grace);
  } catch {
    deps.logger.warn({ peers, timeoutMs: deps.timeoutMs }, 'no peer answered the start-up copy; starting empty');
    return { peer: null, instances: 0 };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  const copy = mergeCopies(answered);
  deps.apply(copy);
  const first = answered[0]!.peer;
  deps.logger.info(
    { peer: first, peers: answered.map((c) => c.peer), instances: copy.instances.length, tombstones: copy.tombstones.length },
    'copied the registry from peers',
  );
  return { peer: first, instances: copy.instances.length };
}

import type { Logger } from '../telemetry/logger.js';

/** What the start-up copy needs. */
export interface StartupSyncDeps {
  peers: readonly string[];
  regionId: string;
  timeoutMs: number;
  /** Headers of peer calls (the cluster secret). */
  headers?: Record<string, string>;
  /** False for peers whose link is cut (tests). */
  allows?: (url: string) => boolean;
  /** Registers a chunk of copied instances locally without forwarding them. */
  apply(instances: unknown[]): void;
  logger: Logger;
}

/** Result of the start-up copy: the peer copied from (null when none answered) and the instance count. */
export interface StartupSyncResult {
  peer: string | null;
  instances: number;
}

const CHUNK = 1_000;

async function fetchServices(peer: string, regionId: string, signal: AbortSignal, headers: Record<string, string>): Promise<{ peer: string; services: unknown[] }> {
  const url = `${peer}/api/replication/registry/services.json?regionId=${encodeURIComponent(regionId)}`;
  const res = await fetch(url, { signal, headers: { accept: 'application/json', 'accept-encoding': 'gzip', ...headers } });
  if (!res.ok) throw new Error(`${peer} answered HTTP ${res.status}`);
  const body = (await res.json()) as { responseStatus?: { status?: unknown }; services?: unknown };
  if (body.responseStatus?.status !== 'success' || !Array.isArray(body.services)) throw new Error(`${peer} refused the copy`);
  return { peer, services: body.services };
}

function applyServices(services: unknown[], apply: (instances: unknown[]) => void): void {
  for (const service of services) {
    const instances = (service as { instances?: unknown } | null)?.instances;
    if (!Array.isArray(instances)) continue;
    for (let i = 0; i < instances.length; i += CHUNK) apply(instances.slice(i, i + CHUNK));
  }
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
  const answered: Array<{ peer: string; services: unknown[] }> = [];
  const calls = peers.map((p) => fetchServices(p, deps.regionId, controller.signal, deps.headers ?? {}).then((r) => void answered.push(r)));
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
  const copied = [...answered];
  const distinct = new Set<string>();
  for (const { services } of copied) {
    applyServices(services, (chunk) => {
      for (const i of chunk) {
        const o = i as { serviceId?: unknown; instanceId?: unknown } | null;
        distinct.add(`${String(o?.serviceId).toLowerCase()}\u0000${String(o?.instanceId).toLowerCase()}`);
      }
      deps.apply(chunk);
    });
  }
  const first = copied[0]!.peer;
  deps.logger.info({ peer: first, peers: copied.map((c) => c.peer), instances: distinct.size }, 'copied the registry from peers');
  return { peer: first, instances: distinct.size };
}

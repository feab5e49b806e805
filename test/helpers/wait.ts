import { postJson } from './node.js';

export interface WaitOptions {
  /** Give up after this long; default 5 000 ms. */
  timeoutMs?: number;
  /** Pause between two calls of the probe; default 10 ms. */
  intervalMs?: number;
  /** What is awaited, for the error on timeout. */
  message?: string;
}

/** A probe's answer that means "not yet" when no `until` is given: undefined or false. */
type NotYet = undefined | false;

function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * The one way the tests poll: calls `probe` until its answer is accepted and resolves
 * with that answer; throws after `timeoutMs`, naming `message` and the probe's last answer. An
 * answer is accepted when `until` holds for it, or, without `until`, when it is neither undefined
 * nor false. An error thrown by the probe ends the wait at once.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitOptions & { until: (answer: T) => boolean }): Promise<T>;
export async function waitFor<T>(probe: () => T | NotYet | Promise<T | NotYet>, opts?: WaitOptions): Promise<T>;
export async function waitFor<T>(probe: () => unknown, opts: WaitOptions & { until?: (answer: T) => boolean } = {}): Promise<T> {
  const { timeoutMs = 5_000, intervalMs = 10, message = 'a condition', until } = opts;
  const accepted = until ?? ((answer: unknown) => answer !== undefined && answer !== false);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = (await probe()) as T;
    if (accepted(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}; last answer: ${shown(answer)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Instance ids of `serviceId` that lookup.json answers on the node at `url` (region SHA, zone sha-z1), sorted. */
export async function lookupIds(url: string, serviceId = 'demo.order'): Promise<string[]> {
  const { body } = await postJson(`${url}/api/discovery/lookup.json`, { discoveryConfigs: [{ serviceId }], regionId: 'SHA', zoneId: 'sha-z1' });
  return ((body.services?.[0]?.instances ?? []) as Array<{ instanceId: string }>).map((i) => i.instanceId).sort();
}

/** Resolves once lookup on `url` answers exactly `ids`; returns the time it took in ms. */
export async function waitForIds(url: string, ids: string[], timeoutMs = 5_000, serviceId = 'demo.order'): Promise<number> {
  const started = performance.now();
  const want = JSON.stringify([...ids].sort());
  await waitFor(() => lookupIds(url, serviceId), { until: (got) => JSON.stringify(got) === want, timeoutMs, message: `${url} to list ${want} of ${serviceId}` });
  return performance.now() - started;
}

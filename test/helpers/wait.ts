import { postJson } from './node.js';

/** Polls `probe` until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
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
  await waitFor(async () => (JSON.stringify(await lookupIds(url, serviceId)) === want ? true : undefined), `${url} to list ${want} of ${serviceId}`, timeoutMs);
  return performance.now() - started;
}

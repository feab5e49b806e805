// A wired node of a build (`npm run build` of this or another checkout) for in-process benches:
// no HTTP listener, marked up, the per-client limits and the registry rate limit lifted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `{ node, root, close }`: `close` removes the node's data directory. */
export async function inProcessNode(checkout, name, extraFlags = {}) {
  const root = resolve(checkout);
  const load = (path) => import(pathToFileURL(join(root, 'dist/src', path)).href);
  const { createNode } = await load('app.js');
  const { loadConfig } = await load('config/load.js');
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const flags = {
    port: 0, host: '127.0.0.1', regionId: 'SHA', zoneId: 'sha-z1', logLevel: 'silent', dataDir,
    'limits.maxInstancesPerClient': 0, 'limits.maxRegistrationsPerClientPerSecond': 0, 'rateLimit.registry.defaultLimit': 100_000_000,
    ...extraFlags,
  };
  const node = createNode(loadConfig({ flags }).config);
  node.state.markUp();
  return { node, root, close: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/**
 * Registers a fleet of `services` services of 100 instances on `node` (instance i in service
 * i % services, as `artemis bench scale` spreads them), in batches of 1,000, and flushes the
 * discovery cache. Returns `batch(from)`, the JSON body of instances from..from+999, and `count`.
 */
export function registerUnregFleet(node, services) {
  const instance = (i) => {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    return { regionId: 'SHA', zoneId: 'sha-z1', serviceId: `bench.unreg.s${i % services}`, instanceId: `i${i}`, ip, port: 8080, protocol: 'http', status: 'up', url: `http://${ip}:8080/`, metadata: null };
  };
  const batch = (from) => JSON.stringify({ instances: Array.from({ length: 1_000 }, (_, k) => instance(from + k)) });
  const count = services * 100;
  for (let from = 0; from < count; from += 1_000) node.registry.handle('register', JSON.parse(batch(from)), true, '127.0.0.1');
  node.discovery.flush();
  return { batch, count };
}

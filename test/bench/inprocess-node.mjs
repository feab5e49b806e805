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

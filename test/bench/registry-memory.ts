/**
 * Memory of a node before, after registering many instances from one client, and after
 * unregistering them again: RSS and V8 heap after a forced full GC at each stage.
 *
 *   node --expose-gc --import tsx test/bench/registry-memory.ts [--count 200000] [--batch 1000] [--readings-ms 3000,30000]
 *     [--history-ms 1000|default] [--set key=json ...]
 *
 * The node listens on loopback and the instances arrive over HTTP from one address, so the
 * per-client limits are raised for the run (what is measured is what the registry keeps, not
 * where the limits stop a client). After the unregistering, one reading is taken at each of
 * `--readings-ms`. Delta history and tombstones keep unregistered instances for a while by
 * design; `--history-ms` sets both (discovery.deltaHistoryMaxAgeMs, replication.tombstoneTtlMs;
 * the node's defaults are 300000 and 120000).
 */
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { createNode } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDataDir } from '../helpers/node.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    'readings-ms': { type: 'string', default: '3000,30000' },
    'history-ms': { type: 'string', default: '1000' },
    set: { type: 'string', multiple: true, default: [] },
  },
});
const COUNT = Number(values.count);
const BATCH = Number(values.batch);
const READINGS_MS = values['readings-ms'].split(',').map(Number);
/** 'default' keeps the node's own delta-history and tombstone settings. */
const HISTORY_MS = values['history-ms'] === 'default' ? null : Number(values['history-ms']);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reading(label: string): Promise<{ label: string; rssMiB: number; heapMiB: number }> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await sleep(50);
  }
  const m = process.memoryUsage();
  return { label, rssMiB: Math.round(m.rss / 1048576), heapMiB: Math.round(m.heapUsed / 1048576) };
}

function post(port: number, path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function batchBody(from: number, to: number): string {
  const instances = [];
  for (let i = from; i < to; i++) {
    const service = `mem.service-${i % 2000}`;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    instances.push({
      regionId: 'SHA', zoneId: 'sha-z1', serviceId: service, instanceId: `${ip}:8080`, ip, port: 8080, machineName: `host-${i}`,
      url: `http://${ip}:8080/${service}`, healthCheckUrl: `http://${ip}:8080/health`, protocol: 'http', status: 'up', metadata: { build: String(i % 97) },
    });
  }
  return JSON.stringify({ instances });
}

const config = loadConfig({
  flags: {
    port: 0, host: '127.0.0.1', regionId: 'SHA', zoneId: 'sha-z1', logLevel: 'silent', dataDir: tempDataDir(),
    'limits.maxInstancesPerClient': 0, 'limits.maxRegistrationsPerClientPerSecond': 0,
    ...Object.fromEntries(values.set.map((kv) => [kv.slice(0, kv.indexOf('=')), JSON.parse(kv.slice(kv.indexOf('=') + 1)) as unknown])),
    ...(HISTORY_MS === null ? {} : { 'discovery.deltaHistoryMaxAgeMs': HISTORY_MS, 'replication.tombstoneTtlMs': HISTORY_MS }),
  },
}).config;
const node = createNode(config);
const { port } = await node.start();
const readings = [await reading('started, empty')];

for (let i = 0; i < COUNT; i += BATCH) {
  const answer = await post(port, '/api/registry/register.json', batchBody(i, Math.min(COUNT, i + BATCH)));
  if (!answer.includes('"status":"success"')) throw new Error(`register failed: ${answer.slice(0, 300)}`);
}
await sleep(200);
readings.push({ ...(await reading(`${COUNT} registered`)), ...{ instances: node.repository.instanceCount } });

for (let i = 0; i < COUNT; i += BATCH) await post(port, '/api/registry/unregister.json', batchBody(i, Math.min(COUNT, i + BATCH)));
const unregisteredAt = Date.now();
for (const at of READINGS_MS) {
  await sleep(Math.max(0, unregisteredAt + at - Date.now()));
  // one more change so the discovery cache and delta history prune what aged out
  await post(port, '/api/registry/register.json', batchBody(COUNT, COUNT + 1));
  await sleep(300);
  readings.push({ ...(await reading(`unregistered, +${Math.round(at / 1000)} s`)), ...{ instances: node.repository.instanceCount } });
}

await node.stop();
console.table(readings);

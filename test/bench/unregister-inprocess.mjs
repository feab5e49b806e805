// Time of an unregistration batch on a wired node, in process, without HTTP: a fleet of
// services of 100 instances (as `artemis bench scale` spreads them, instance i in service
// i % services), then batches of 1,000 unregistrations (one instance from each of 1,000
// services), `parallel` of them handled in one job as HTTP handlers finishing together would be.
// Prints, per round, the time to the end of the job (the removals are then visible to every
// read), the part of it the discovery cache took (`rebuildServices`), the service snapshots
// built and the instances serialised. Runs a build
// (`npm run build`) of this or another checkout:
//
//   node --max-old-space-size=2048 test/bench/unregister-inprocess.mjs [services=3000] [parallel=1] [rounds=20] [checkout=.]
import { inProcessNode, registerUnregFleet } from './inprocess-node.mjs';

const services = Number(process.argv[2] ?? 3_000);
const parallel = Number(process.argv[3] ?? 1);
const rounds = Number(process.argv[4] ?? 20);
const { node, root, close } = await inProcessNode(process.argv[5] ?? '.', 'unregister-inprocess', { 'limits.maxInstances': 0 });
const { batch, count } = registerUnregFleet(node, services);

// instances serialised: JSON.stringify of an object with an instanceId
let serialised = 0;
const stringify = JSON.stringify;
JSON.stringify = function (value, ...rest) {
  if (value !== null && typeof value === 'object' && 'instanceId' in value) serialised++;
  return stringify.call(JSON, value, ...rest);
};
// time the cache spends on the services the removals touched
const cache = node.discovery.cache;
const rebuildServices = cache.rebuildServices.bind(cache);
let cacheMs = 0;
cache.rebuildServices = (keys) => {
  const t = performance.now();
  try {
    return rebuildServices(keys);
  } finally {
    cacheMs += performance.now() - t;
  }
};
const times = [];
const cacheTimes = [];
for (let r = 0; r < rounds && (r + 1) * parallel * 1_000 <= count; r++) {
  const bodies = Array.from({ length: parallel }, (_, p) => JSON.parse(batch((r * parallel + p) * 1_000)));
  serialised = 0;
  cacheMs = 0;
  const builds = node.discovery.cache.stats.serviceBuilds;
  const t0 = performance.now();
  await Promise.all(bodies.map(async (body) => {
    await null;
    const answer = node.registry.handle('unregister', body, true, '127.0.0.1');
    if (answer.responseStatus.errorCode !== 'success') throw new Error(stringify(answer));
  }));
  await null;
  const ms = performance.now() - t0;
  times.push(ms);
  cacheTimes.push(cacheMs);
  process.stdout.write(`${stringify({ round: r, ms: Number(ms.toFixed(1)), cacheMs: Number(cacheMs.toFixed(1)), serviceBuilds: node.discovery.cache.stats.serviceBuilds - builds, serialised })}\n`);
  await new Promise((done) => setImmediate(done));
}
const at = (list, q) => Number([...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))].toFixed(1));
process.stdout.write(
  `${stringify({ checkout: root, services, parallel, instances: count, medianMs: at(times, 0.5), maxMs: at(times, 1), cacheMedianMs: at(cacheTimes, 0.5), cacheMaxMs: at(cacheTimes, 1) })}\n`,
);
close();
process.exit(0);

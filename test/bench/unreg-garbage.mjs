// What an unregistration leaves on the old generation, in process, without HTTP: a fleet of
// services of 100 instances (instance i in service i % services, as `artemis bench scale` spreads
// them) registered, then unregistered in batches of 1,000 under V8's sampling heap profiler with
// the objects a scavenge collected left out: what it lists was promoted (or is still held), so
// either held on purpose (tombstones, delta history) or garbage only a mark-compact frees. Prints
// the sampled bytes per allocation site (the last three frames); with ALL=1, every allocation
// (scavenged ones too). Runs a build (`npm run build`) of this or another checkout:
//
//   node --max-old-space-size=2048 test/bench/unreg-garbage.mjs [services=2000] [checkout=.]
import { Session } from 'node:inspector/promises';
import { inProcessNode, registerUnregFleet } from './inprocess-node.mjs';
const services = Number(process.argv[2] ?? 2000);
const { node, close } = await inProcessNode(process.argv[3] ?? '.', 'unreg-garbage', { 'limits.maxInstances': 0 });
const { batch, count } = registerUnregFleet(node, services);
const s = new Session(); s.connect();
await s.post('HeapProfiler.enable');
await s.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.ALL === '1' });
for (let from = 0; from < count; from += 1_000) {
  const body = JSON.parse(batch(from));
  await null;
  node.registry.handle('unregister', body, true, '127.0.0.1');
  await new Promise((d) => setImmediate(d));
}
const { profile } = await s.post('HeapProfiler.stopSampling');
const self = new Map();
const walk = (n, stack) => {
  const f = n.callFrame; const name = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(src|dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  const here = [...stack, name];
  if (n.selfSize > 0) { const k = here.slice(-3).join(' < '); self.set(k, (self.get(k) ?? 0) + n.selfSize); }
  for (const c of n.children) walk(c, here);
};
walk(profile.head, []);
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(process.env.ALL === '1' ? 'sampled MiB allocated' : 'sampled MiB allocated and not collected by a scavenge', (total / 1048576).toFixed(1), 'per instance B', Math.round(total / count));
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((v / 1048576).toFixed(1).padStart(7), k.split(' < ').reverse().join(' < '));
close(); process.exit(0);

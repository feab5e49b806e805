// CPU of RegistryService.handle('register') on a wired node, in process, without HTTP: a fleet
// of 10,000 instances in 100 services (as bench:compare registers them), then batches of 100
// parsed afresh from JSON text each time (so every registration brings new objects of the same
// data), and JSON.parse of the same texts alone for comparison. Runs a build (`npm run build`)
// of this or another checkout:
//
//   node test/bench/register-inprocess.mjs [batches=20000] [checkout=.]
import { inProcessNode } from './inprocess-node.mjs';

const batches = Number(process.argv[2] ?? 20_000);
const { node, root, close } = await inProcessNode(process.argv[3] ?? '.', 'register-inprocess');
const fleet = Array.from({ length: 10_000 }, (_, i) => {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return { regionId: 'SHA', zoneId: 'sha-z1', serviceId: `bench.compare.reg.s${i % 100}`, instanceId: `${ip}:8080`, ip, port: 8080, protocol: 'http', status: 'up', url: `http://${ip}:8080/`, metadata: null };
});
const texts = [];
for (let f = 0; f < fleet.length; f += 100) texts.push(JSON.stringify({ instances: fleet.slice(f, f + 100) }));
const registry = node.registry;
for (const t of texts) registry.handle('register', JSON.parse(t), true, '127.0.0.1');

let k = 0;
const before = process.cpuUsage();
for (let i = 0; i < batches; i++) {
  const answer = registry.handle('register', JSON.parse(texts[k++ % texts.length]), true, '127.0.0.1');
  if (answer.responseStatus.errorCode !== 'success') throw new Error(JSON.stringify(answer));
  // let the node's timers (discovery rebuilds, pushes) run as they would between requests
  if ((i & 63) === 0) await new Promise((r) => setImmediate(r));
}
const used = process.cpuUsage(before);
const parseBefore = process.cpuUsage();
const keep = [];
for (let i = 0; i < batches; i++) keep[i & 1023] = JSON.parse(texts[k++ % texts.length]);
const parse = process.cpuUsage(parseBefore);
const perBatch = (u) => +((u.user + u.system) / batches).toFixed(1);
process.stdout.write(`${JSON.stringify({ checkout: root, batches, cpuUsPerBatch: perBatch(used), parseUsPerBatch: perBatch(parse) })}\n`);
close();
process.exit(0);

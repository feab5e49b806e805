/**
 * Preloaded into a node under test next to `--cpu-prof` (`node --cpu-prof --import
 * ./test/bench/stall-gaps.mjs dist/src/cli/main.js server ...`): every event-loop gap longer than
 * `GAP_MS` (40) between two ticks of a 5 ms timer is appended to `GAP_FILE` as a JSON line with its
 * start and end in microseconds of the monotonic clock the CPU profile's timestamps use, and the
 * heap and RSS after it. `test/bench/stall-attribution.mjs` then names what ran in each gap.
 */
import { appendFileSync } from 'node:fs';
const file = process.env.GAP_FILE;
const min = Number(process.env.GAP_MS ?? 40);
let last = process.hrtime.bigint();
const t = setInterval(() => {
  const now = process.hrtime.bigint();
  const gap = Number(now - last) / 1e6;
  if (gap > min) {
    const m = process.memoryUsage();
    const line = JSON.stringify({ startUs: Number(last / 1000n), endUs: Number(now / 1000n), ms: Math.round(gap), heap: Math.round(m.heapUsed / 1048576), rss: Math.round(m.rss / 1048576) });
    if (file) appendFileSync(file, `${line}\n`);
    else process.stderr.write(`stall-gap ${line}\n`);
  }
  last = now;
}, 5);
t.unref();

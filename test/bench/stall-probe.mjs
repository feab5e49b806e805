/**
 * Preloaded into a node under test (`node --import ./test/bench/stall-probe.mjs dist/src/cli/main.js server ...`):
 * every `STALL_PROBE_MS` (1000) it appends one JSON line to `STALL_PROBE_FILE` (or stderr) with the
 * longest event-loop delay of the interval, the longest GC pause and its kind, the GC time,
 * heap used, RSS and the process CPU (user + system microseconds, cumulative).
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, constants } from 'node:perf_hooks';

const intervalMs = Number(process.env.STALL_PROBE_MS ?? 1000);
const file = process.env.STALL_PROBE_FILE;
const kinds = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let gcMax = 0;
let gcKind = '';
let gcTotal = 0;
let gcCount = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcTotal += e.duration;
    gcCount++;
    if (e.duration > gcMax) {
      gcMax = e.duration;
      gcKind = kinds[e.detail?.kind] ?? String(e.detail?.kind);
    }
  }
}).observe({ entryTypes: ['gc'] });

const timer = setInterval(() => {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  const line = JSON.stringify({
    t: Date.now(),
    stallMs: Number((delay.max / 1e6).toFixed(1)),
    gcMaxMs: Number(gcMax.toFixed(1)),
    gcKind,
    gcMs: Number(gcTotal.toFixed(1)),
    gcCount,
    heapMiB: Math.round(m.heapUsed / 1048576),
    rssMiB: Math.round(m.rss / 1048576),
    cpuUs: cpu.user + cpu.system,
  });
  delay.reset();
  gcMax = 0;
  gcKind = '';
  gcTotal = 0;
  gcCount = 0;
  if (file) appendFileSync(file, `${line}\n`);
  else process.stderr.write(`stall-probe ${line}\n`);
}, intervalMs);
timer.unref();

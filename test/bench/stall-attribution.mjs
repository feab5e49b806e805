/**
 * What ran in each event-loop stall: for every gap of `stall-gaps.mjs` of at least `minMs` (50),
 * the samples of the CPU profile within it by leaf function (`self`, GC as `(garbage
 * collector)`), by function of src/ anywhere on the stack (`incl`), and the longest runs of
 * consecutive GC samples (one run is about one pause: a mark-compact's atomic pause or a scavenge).
 *
 *   node test/bench/stall-attribution.mjs <file.cpuprofile> <gaps.jsonl> [minMs=50]
 */
import { readFileSync } from 'node:fs';
const [pf, gf, minArg] = process.argv.slice(2);
const min = Number(minArg ?? 50);
const p = JSON.parse(readFileSync(pf, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const times = []; let t = p.startTime;
for (const d of p.timeDeltas) { t += d; times.push(t); }
const gaps = readFileSync(gf, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((g) => g.ms >= min);
const short = (n) => { const u = n.callFrame.url; const i = u.search(/\/(src|node_modules)\//); return `${n.callFrame.functionName || '(anon)'} ${i >= 0 ? u.slice(i + 1) : u.replace(/^.*\//, '')}:${n.callFrame.lineNumber + 1}`; };
function stack(id) { const s = []; for (let x = id; x !== undefined; x = parent.get(x)) s.push(byId.get(x)); return s.reverse(); }
const interesting = /src\//;
for (const g of gaps) {
  const self = new Map(); const incl = new Map(); let n = 0;
  const runs = []; let run = null;
  for (let i = 0; i < p.samples.length; i++) {
    if (times[i] < g.startUs || times[i] > g.endUs) continue;
    n++;
    const st = stack(p.samples[i]);
    const leaf = st[st.length - 1];
    if (leaf.callFrame.functionName === '(garbage collector)') {
      if (run === null) runs.push((run = { s: times[i], e: times[i] }));
      else run.e = times[i];
    } else run = null;
    self.set(short(leaf), (self.get(short(leaf)) ?? 0) + 1);
    const seen = new Set();
    for (const f of st) { if (!interesting.test(f.callFrame.url)) continue; const k = short(f); if (seen.has(k)) continue; seen.add(k); incl.set(k, (incl.get(k) ?? 0) + 1); }
  }
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([f, c]) => `${f} ${c}`).join(' | ');
  console.log(`\n== gap ${g.ms} ms at +${((g.startUs - p.startTime) / 1e6).toFixed(1)} s heap ${g.heap} samples ${n}`);
  console.log('  self:', top(self, 6));
  console.log('  incl:', top(incl, 10));
  console.log('  longest GC runs (ms):', runs.map((r) => Math.round((r.e - r.s) / 1000)).sort((x, y) => y - x).slice(0, 4).join(', ') || '-');
}

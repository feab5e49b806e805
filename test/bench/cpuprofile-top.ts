/**
 * The functions with the most self time in a V8 CPU profile (`node --cpu-prof`), e.g. one
 * written by `npm run bench:compare -- --profile`.
 *
 *   npx tsx test/bench/cpuprofile-top.ts <file.cpuprofile> [count=25]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

function shortUrl(url: string): string {
  const at = url.search(/\/(src|node_modules)\//);
  if (url === '') return '(native)';
  return at >= 0 ? url.slice(at + 1) : url.replace(/^file:\/\//, '').replace(/^node:/, 'node:');
}

/** Self time per function (name + location), largest first. */
export function hotFunctions(profile: Profile, count = 25): HotFunction[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    const name = frame.functionName || '(anonymous)';
    const where = `${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    const key = `${name} ${where}`;
    const entry = self.get(key) ?? { name, where, us: 0 };
    entry.us += dt;
    self.set(key, entry);
  });
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((e) => ({ name: e.name, where: e.where, selfMs: Number((e.us / 1000).toFixed(1)), percent: Number(((e.us / Math.max(1, total)) * 100).toFixed(1)) }));
}

/** The table `hotFunctions` prints. */
export function formatHot(list: HotFunction[]): string {
  return list.map((h) => `${h.percent.toFixed(1).padStart(5)} %  ${String(h.selfMs).padStart(9)} ms  ${h.name}  ${h.where}`).join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: npx tsx test/bench/cpuprofile-top.ts <file.cpuprofile> [count=25]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  console.log(formatHot(hotFunctions(profile, Number(process.argv[3] ?? 25))));
}

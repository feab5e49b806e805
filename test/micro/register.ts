/** Registers a group of micro cases as vitest benchmarks; the state is built lazily and dropped after each case. */
import { bench, describe } from 'vitest';
import { MICRO_GROUPS, isSmallRun, microSizes, type MicroCase } from './cases.js';

/** tinybench options: 1 s per case for real runs; a single iteration, no warm-up, when the sizes are shrunk. */
function options(prepared: { fn?: () => unknown }, c: MicroCase) {
  const small = isSmallRun();
  return {
    ...(small ? { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 } : { time: 1_000, warmupTime: 200 }),
    setup: () => {
      prepared.fn ??= c.prepare();
    },
    teardown: (_task: unknown, mode: 'warmup' | 'run') => {
      if (mode === 'run') prepared.fn = undefined;
    },
  };
}

/** Declares one `describe` of benchmarks for the cases of `group` (a key of MICRO_GROUPS). */
export function benchGroup(group: string, title: string): void {
  const cases = MICRO_GROUPS[group];
  if (cases === undefined) throw new Error(`unknown micro-benchmark group ${group}`);
  const list = cases(microSizes());
  describe(title, () => {
    for (const c of list) {
      const prepared: { fn?: () => unknown } = {};
      bench(c.name, () => {
        prepared.fn!();
      }, options(prepared, c));
    }
  });
}

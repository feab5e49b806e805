/**
 * The bodies of the micro-benchmarks, shared by the `*.bench.ts` files (run with
 * `npm run bench:micro`) and by the test that runs each of them once at small sizes
 * (test/unit/micro-bench-runs.test.ts). A case prepares its state when `prepare()` is called and
 * returns the function whose run time is measured.
 */
import { deltaCases } from './delta-cases.js';
import { heartbeatCases } from './heartbeat-cases.js';
import { leaseCases } from './lease-cases.js';
import type { MicroCase, MicroSizes } from './micro-sizes.js';
import { routingCases } from './routing-cases.js';
import { snapshotCases } from './snapshot-cases.js';

export { FULL_SIZES, SMALL_ENV, SMALL_SIZES, isSmallRun, microSizes, type MicroCase, type MicroSizes } from './micro-sizes.js';

/** Every group of cases by the name of its bench file. */
export const MICRO_GROUPS: Record<string, (s: MicroSizes) => MicroCase[]> = {
  snapshot: snapshotCases,
  delta: deltaCases,
  'lease-sweep': leaseCases,
  heartbeat: heartbeatCases,
  routing: routingCases,
};

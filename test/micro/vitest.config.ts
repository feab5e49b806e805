import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Micro-benchmarks only: `npm run bench:micro` (vitest bench --run with this file). The test
 * projects of the root vitest.config.ts never include *.bench.ts files.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: [],
    benchmark: { include: ['test/micro/**/*.bench.ts'] },
    // One file at a time: the lease sweep holds a million leases and timings need a quiet machine.
    fileParallelism: false,
  },
});

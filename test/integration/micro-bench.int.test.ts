import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { SMALL_ENV } from '../micro/cases.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

// Runs `vitest bench --run` on the micro-benchmarks with shrunk sizes and one iteration each:
// checks that they load and run, never how fast.
it('npm run bench:micro runs every bench file (small sizes)', async () => {
  const vitest = join(root, 'node_modules/vitest/vitest.mjs');
  const { stdout } = await run(process.execPath, [vitest, 'bench', '--run', '--config', 'test/micro/vitest.config.ts'], {
    cwd: root,
    env: { ...process.env, [SMALL_ENV]: '1', NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
    timeout: 60_000,
  });
  for (const file of ['snapshot', 'delta', 'lease-sweep', 'heartbeat']) expect(stdout).toContain(`test/micro/${file}.bench.ts`);
  expect(stdout).toContain('sweep of 1,000 live leases');
  expect(stdout).not.toMatch(/FAIL|Error:/);
}, 70_000);

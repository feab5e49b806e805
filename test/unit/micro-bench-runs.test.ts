import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MICRO_GROUPS, SMALL_SIZES } from '../micro/cases.js';

// The micro-benchmarks must keep running; their timings are never checked here.
const root = join(import.meta.dirname, '../..');

describe('micro-benchmarks (npm run bench:micro)', () => {
  for (const [group, cases] of Object.entries(MICRO_GROUPS)) {
    it(`${group}: every case prepares and runs at small sizes`, () => {
      const list = cases(SMALL_SIZES);
      expect(list.length).toBeGreaterThan(0);
      for (const c of list) {
        const body = c.prepare();
        expect(() => body(), c.name).not.toThrow();
        expect(() => body(), c.name).not.toThrow();
      }
    });

    it(`${group}: has its bench file`, () => {
      const file = join(root, 'test/micro', `${group}.bench.ts`);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain(`benchGroup('${group}'`);
    });
  }

  it('bench:micro runs the bench files with their own config', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['bench:micro']).toBe('vitest bench --run --config test/micro/vitest.config.ts');
  });
});

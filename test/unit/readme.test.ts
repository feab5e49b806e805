import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configLeaves } from '../../src/config/leaves.js';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
const ci = readFileSync(join(import.meta.dirname, '../../.ci/run'), 'utf8');

describe('README', () => {
  it('documents every configuration key with its environment variable', () => {
    const missing = configLeaves.filter(
      (l) => !readme.includes(`\`${l.path.join('.')}\``) || !readme.includes(`\`${l.envName}\``),
    );
    expect(missing.map((l) => l.path.join('.'))).toEqual([]);
  });

  it('gives the start and test commands, and CI runs the same test command', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });
});

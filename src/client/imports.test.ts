import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..');

/** Every module reachable from `entry` through static and dynamic imports (not type-only ones), and the packages they name. */
function reachable(entry: string): { files: string[]; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(/(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      // type-only imports and exports are erased when compiled: they load nothing
      if (/^(?:import|export)\s+type\s/.test(m[0])) continue;
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  }
  return { files: [...seen].map((f) => relative(SRC, f)), packages };
}

describe('client entry point', () => {
  it('reaches only client/ and core/ modules, and no package but ws and node built-ins', () => {
    const { files, packages } = reachable(join(SRC, 'client/index.ts'));
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((f) => !f.startsWith('client/') && !f.startsWith('core/'))).toEqual([]);
    expect([...packages].filter((p) => p !== 'ws' && !p.startsWith('node:'))).toEqual([]);
  });

  it('loads in a fresh module graph without touching server modules', async () => {
    const mod = await import('./index.js');
    expect(typeof mod.RegistryClient).toBe('function');
    expect(typeof mod.DiscoveryClient).toBe('function');
  });
});

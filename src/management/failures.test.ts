import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as failures from './failures.js';

const SRC = resolve(import.meta.dirname, '..');
const HOME = 'management/failures.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every string literal of a source file (quotes and template strings without substitutions), comments left out. */
function literals(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\$]|\\.)*)`/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

describe('management failure texts', () => {
  const texts = new Set<string>(Object.values(failures));

  it('are declared once each: one literal per text in failures.ts, aliases by reference', () => {
    const declared = literals(readFileSync(join(SRC, HOME), 'utf8'));
    expect(declared.length).toBe(texts.size);
    expect(new Set(declared)).toEqual(texts);
  });

  it('appear as a literal in no other source file', () => {
    const copies = sources(SRC).flatMap((file) => {
      const name = relative(SRC, file);
      if (name === HOME) return [];
      return literals(readFileSync(file, 'utf8'))
        .filter((l) => texts.has(l))
        .map((l) => `${name}: '${l}'`);
    });
    expect(copies).toEqual([]);
  });
});

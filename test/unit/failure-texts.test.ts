import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Each failure text (a ResponseStatus message, a failed instance's reason, a framework error
 * text) is one string literal in src/; handlers, services and the OpenAPI document import the
 * constant. This scan finds a failure text written out a second time.
 */

const ROOT = join(import.meta.dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
  });
}

interface Literal {
  /** The literal's text; for a template literal, the text before its first `${`. */
  text: string;
  /** Source text before the literal on its line. */
  before: string;
  /** Inside a `…Failures = { … }` declaration. */
  inFailureTable: boolean;
  where: string;
}

/** The string literals of one file (comments skipped; escapes kept as written). */
export function literalsOf(source: string, file: string): Literal[] {
  const out: Literal[] = [];
  let inTable = false;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      const next = source.slice(lineStart, source.indexOf('\n', lineStart) === -1 ? undefined : source.indexOf('\n', lineStart));
      if (/Failures\w*\s*(?::[^=]*)?=\s*\{/.test(next)) inTable = true;
      else if (/^\}/.test(next)) inTable = false;
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      for (let k = i; k < end; k++) if (source[k] === '\n') line++;
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = i;
      let j = i + 1;
      let head: string | null = null;
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\') j++;
        else if (c === '`' && source[j] === '$' && source[j + 1] === '{') {
          head ??= source.slice(start + 1, j);
          // skip the expression (nested braces, no nested templates in failure texts)
          let depth = 0;
          for (j += 1; j < source.length; j++) {
            if (source[j] === '{') depth++;
            else if (source[j] === '}' && --depth === 0) break;
          }
        }
        if (source[j] === '\n') line++;
        j++;
      }
      const text = head ?? source.slice(start + 1, j);
      out.push({ text, before: source.slice(lineStart, start), inFailureTable: inTable, where: `${file}:${line}` });
      i = j + 1;
    } else i++;
  }
  return out;
}

/** A literal written where a failure is answered. */
function isFailureText(l: Literal): boolean {
  if (l.text.length < 12 || !l.text.includes(' ')) return false;
  return (
    l.inFailureTable ||
    / failed\.$/.test(l.text) ||
    /failStatus\([^,()]*,\s*$/.test(l.before) ||
    /new (?:Registry|BadRequest|RateLimited|NoPermission|DataNotFound|ServiceUnavailable)Error\(\s*$/.test(l.before) ||
    /new InstanceFailure\([^,()]*,\s*$/.test(l.before) ||
    /\bfailure:\s*$/.test(l.before)
  );
}

describe('failure texts', () => {
  const literals = sources(ROOT)
    .map((f) => relative(ROOT, f))
    .flatMap((f) => literalsOf(readFileSync(join(ROOT, f), 'utf8'), f));

  it('the scan sees the failure texts of the registry, discovery and cluster endpoints', () => {
    const texts = new Set(literals.filter(isFailureText).map((l) => l.text));
    for (const t of ['Instance is not exising! Need re-register.', 'Delta is not found.', 'No available service nodes.']) expect(texts).toContain(t);
  });

  it('each failure text is written once in src/', () => {
    const byText = new Map<string, string[]>();
    for (const l of literals) byText.set(l.text, [...(byText.get(l.text) ?? []), l.where]);
    const duplicates = [...new Set(literals.filter(isFailureText).map((l) => l.text))]
      .filter((t) => byText.get(t)!.length > 1)
      .map((t) => `${JSON.stringify(t)}: ${byText.get(t)!.join(', ')}`);
    expect(duplicates).toEqual([]);
  });
});

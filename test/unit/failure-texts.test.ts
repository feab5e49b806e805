import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_CLUSTER_KEY, SETTING_WARNINGS } from '../../src/config/setting-warnings.js';

/**
 * Each failure text (a ResponseStatus message, a failed instance's reason, a framework error
 * text) and each warning of a setting (logged by the node, printed by the CLI, shown by the
 * console) is one string literal in src/ or console/src/; handlers, services, the CLI, the
 * console and the OpenAPI document import the constant. This scan finds such a text written out
 * a second time, also when only its letter case, spacing or full stop differ.
 */

const REPO = join(import.meta.dirname, '..', '..');
const ROOTS = ['src', join('console', 'src')].map((d) => join(REPO, d));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return /\.tsx?$/.test(d.name) && !/\.test\.tsx?$/.test(d.name) ? [path] : [];
  });
}

/** What makes two texts the same sentence: letter case, runs of spaces and a closing full stop do not. */
const sentenceKey = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '').trim();

interface Literal {
  /** The literal's text; for a template literal, the text before its first `${`. */
  text: string;
  /** Source text before the literal on its line. */
  before: string;
  /** Inside a `…Failures = { … }` or `…WARNINGS = { … }` declaration. */
  inFailureTable: boolean;
  where: string;
}

/** The string literals of one file (comments skipped; escapes kept as written). */
export function literalsOf(source: string, file: string): Literal[] {
  const out: Literal[] = [];
  const opensTable = (lineText: string) => /(?:Failures|WARNINGS)\w*\s*(?::[^=]*)?=\s*\{/.test(lineText);
  let inTable = opensTable(source.slice(0, source.indexOf('\n') === -1 ? undefined : source.indexOf('\n')));
  let i = 0;
  let line = 1;
  let lineStart = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      const next = source.slice(lineStart, source.indexOf('\n', lineStart) === -1 ? undefined : source.indexOf('\n', lineStart));
      if (opensTable(next)) inTable = true;
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

/** A literal written where a failure is answered or a setting is warned of. */
function isFailureText(l: Literal): boolean {
  if (l.text.length < 12 || !l.text.includes(' ')) return false;
  return (
    l.inFailureTable ||
    / failed\.$/.test(l.text) ||
    /failStatus\([^,()]*,\s*$/.test(l.before) ||
    /new (?:Registry|BadRequest|RateLimited|NoPermission|DataNotFound|ServiceUnavailable)Error\(\s*$/.test(l.before) ||
    /new InstanceFailure\([^,()]*,\s*$/.test(l.before) ||
    /\bfailure:\s*$/.test(l.before) ||
    /\.warn\([^()]*,\s*$/.test(l.before) ||
    /\bwarnings?\.push\(\s*$/.test(l.before)
  );
}

/** The failure texts and warnings among `literals` written more than once, with where. */
function duplicatesOf(literals: readonly Literal[]): string[] {
  const byKey = new Map<string, string[]>();
  for (const l of literals) byKey.set(sentenceKey(l.text), [...(byKey.get(sentenceKey(l.text)) ?? []), l.where]);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of literals.filter(isFailureText)) {
    const key = sentenceKey(l.text);
    if (seen.has(key)) continue;
    seen.add(key);
    if (byKey.get(key)!.length > 1) out.push(`${JSON.stringify(l.text)}: ${byKey.get(key)!.join(', ')}`);
  }
  return out;
}

describe('failure texts', () => {
  const literals = ROOTS.flatMap(sources)
    .map((f) => relative(REPO, f))
    .flatMap((f) => literalsOf(readFileSync(join(REPO, f), 'utf8'), f));

  it('the scan sees the failure texts of the registry, discovery and cluster endpoints', () => {
    const texts = new Set(literals.filter(isFailureText).map((l) => l.text));
    for (const t of ['Instance is not exising! Need re-register.', 'Delta is not found.', 'No available service nodes.']) expect(texts).toContain(t);
  });

  it('the scan sees the warnings of settings and the console sources', () => {
    const texts = new Set(literals.filter(isFailureText).map((l) => l.text));
    for (const t of Object.values(SETTING_WARNINGS)) if (t.length > 0 && !t.startsWith(NO_CLUSTER_KEY)) expect(texts).toContain(t);
    expect(literals.some((l) => l.where.startsWith(join('console', 'src', 'views')) && l.where.includes('.tsx:'))).toBe(true);
  });

  it('finds a text written again in another case and without its full stop', () => {
    const twice = [...literalsOf("const AFailures = {\n  x: 'The store is gone for now.',\n};\n", 'a.ts'), ...literalsOf("log.warn({}, 'the store is gone for now');\n", 'b.ts')];
    expect(duplicatesOf(twice)).toEqual(['"The store is gone for now.": a.ts:2, b.ts:1']);
  });

  it('each failure text and warning is written once in src/ and console/src/', () => {
    expect(duplicatesOf(literals)).toEqual([]);
  });
});

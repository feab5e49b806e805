import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveCa } from '../client/options.js';

/** Where a command writes. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Wrong usage: the command prints it with a hint and exits 2. */
export class UsageError extends Error {}

/** The command failed: it prints this one-line reason and exits 1. */
export class CommandError extends Error {}

/** Node URL when neither --url nor ARTEMIS_URL is given. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Flags every client command accepts. */
export interface CommonFlags {
  urls: string[];
  region: string | undefined;
  zone: string | undefined;
  json: boolean;
  timeoutMs: number;
  /** API token sent as Authorization: Bearer (see {@link resolveToken}). */
  token: string | undefined;
  /** CA certificates that HTTPS nodes must chain to (--ca-file, ARTEMIS_CA_FILE); undefined: the system's. */
  ca?: Array<string | Buffer>;
}

/** Help text of the flags every client command accepts. */
export const COMMON_HELP = `Common options:
  --url <url>[,<url>...]  node(s) to talk to; also ARTEMIS_URL        [${DEFAULT_URL}]
  --region <id>           region of the caller; also ARTEMIS_REGION   [the node's]
  --zone <id>             zone of the caller; also ARTEMIS_ZONE       [the node's]
  --token <secret>        API token; also ARTEMIS_TOKEN  [for a local node: <ARTEMIS_DATA_DIR or ./data>/admin.token]
  --ca-file <file>        PEM CA that https:// nodes' certificates chain to; also ARTEMIS_CA_FILE  [the system's CAs]
  --json                  machine-readable JSON instead of tables
  --timeout <ms>          timeout of each HTTP attempt                [5000]
  -h, --help              show this help
`;

/** Flag declarations of a command, as node:util parseArgs takes them. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags every client command accepts. */
export const COMMON_OPTIONS: OptionSpec = {
  url: { type: 'string' },
  server: { type: 'string' },
  region: { type: 'string' },
  zone: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  token: { type: 'string' },
  'ca-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** Parsed flag values by name. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** A parsed command line: common flags, the command's own values, positionals, and whether help was asked. */
export interface Parsed {
  flags: CommonFlags;
  values: Values;
  positionals: string[];
  help: boolean;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got ${text}`);
  return n;
}

/** Edit distance between two strings (insertions, deletions, substitutions, adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidates closest to a mistyped `word`, best first: within a third of its length (at
 * least 1, at most 3 edits), or those it is a prefix of.
 */
export function closest(word: string, candidates: Iterable<string>): string[] {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  const scored: Array<[string, number]> = [];
  for (const c of new Set(candidates)) {
    const d = editDistance(w, c.toLowerCase());
    if (d <= limit || (w.length >= 2 && c.toLowerCase().startsWith(w))) scored.push([c, d]);
  }
  return scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])).slice(0, 3).map(([c]) => c);
}

/** `; did you mean X?` (or `X or Y`) for a mistyped word, or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const near = closest(word, candidates);
  return near.length === 0 ? '' : `; did you mean ${near.join(' or ')}?`;
}

/** Names of the flags a command accepts, with their dashes (`--json`, `-h`). */
export function flagNames(options: OptionSpec): string[] {
  const names: string[] = [];
  for (const [name, spec] of Object.entries({ ...COMMON_OPTIONS, ...options })) {
    names.push(`--${name}`);
    if (spec.short !== undefined) names.push(`-${spec.short}`);
  }
  return names;
}

function usageOf(err: Error, options: OptionSpec): UsageError {
  const unknown = /^Unknown option '([^']+)'/.exec(err.message)?.[1];
  if (unknown === undefined) return new UsageError(err.message);
  const flag = unknown.split('=')[0]!;
  const hint = didYouMean(flag, flagNames(options).filter((n) => n.startsWith('--')));
  return new UsageError(`unknown option ${flag}${hint}`);
}

/** Parses the common flags plus `options`. @throws UsageError on unknown or malformed flags */
export function parseCommand(argv: string[], options: OptionSpec, env: NodeJS.ProcessEnv): Parsed {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (err) {
    throw usageOf(err as Error, options);
  }
  const v = parsed.values;
  const url = (v.url as string | undefined) ?? (v.server as string | undefined) ?? env.ARTEMIS_URL ?? env.ARTEMIS_SERVER ?? DEFAULT_URL;
  const urls = url.split(',').map((u) => u.trim()).filter((u) => u !== '');
  for (const u of urls) if (!/^https?:\/\/[^/]/i.test(u)) throw new UsageError(`--url: not an http(s) URL: ${u}`);
  if (urls.length === 0) throw new UsageError('--url: give a node URL');
  const flags: CommonFlags = {
    urls,
    region: (v.region as string | undefined) ?? env.ARTEMIS_REGION,
    zone: (v.zone as string | undefined) ?? env.ARTEMIS_ZONE,
    json: v.json === true,
    timeoutMs: v.timeout === undefined ? 5_000 : positiveInt('timeout', v.timeout as string),
    token: resolveToken(v.token as string | undefined, env, urls),
    ca: caOf((v['ca-file'] as string | undefined) ?? env.ARTEMIS_CA_FILE),
  };
  return { flags, values: v, positionals: parsed.positionals, help: v.help === true };
}

/** The certificates of --ca-file / ARTEMIS_CA_FILE. @throws UsageError when the file cannot be read or holds no certificate */
function caOf(file: string | undefined): Array<string | Buffer> | undefined {
  if (file === undefined || file.trim() === '') return undefined;
  try {
    return resolveCa(undefined, file.trim());
  } catch (err) {
    throw new UsageError(`--ca-file: ${(err as Error).message.replace(/^caFile: /, '')}`);
  }
}

/** The value of one `status/config.json` property as JSON text: `{ key: k, value: v, typedValue: … }` → `v` (the whole text when it has another form). */
export function propertyValue(text: string): string {
  return /value: (.*), typedValue:/.exec(text)?.[1] ?? text;
}

/** The file in a node's data directory that holds its first admin token (auth/bootstrap.ts). */
const ADMIN_TOKEN_FILE = 'admin.token';

const isLocal = (url: string): boolean => {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
};

/**
 * The token a command sends: --token, else ARTEMIS_TOKEN, else, when every node is on this
 * machine, the first admin token the node wrote to its data directory (ARTEMIS_DATA_DIR, the
 * server's own setting, or ./data, its default).
 */
export function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv, urls: readonly string[]): string | undefined {
  const given = flag ?? env.ARTEMIS_TOKEN;
  if (given !== undefined && given.trim() !== '') return given.trim();
  if (!urls.every(isLocal)) return undefined;
  try {
    const secret = readFileSync(join(env.ARTEMIS_DATA_DIR ?? './data', ADMIN_TOKEN_FILE), 'utf8').trim();
    return secret === '' ? undefined : secret;
  } catch {
    return undefined;
  }
}

/** A required string flag. @throws UsageError when missing */
export function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} is required`);
  return v.trim();
}

/** Exactly `count` positionals. @throws UsageError otherwise */
export function expectPositionals(positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing <${names[positionals.length]}>`);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument: ${positionals[names.length]}`);
  return positionals;
}

/** Left-aligned columns separated by two spaces; `null`/`undefined` cells print as `-`. */
export function formatTable(headers: string[], rows: Array<Array<string | number | boolean | null | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** Prints `value` as indented JSON. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

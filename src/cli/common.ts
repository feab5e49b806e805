import { parseArgs, type ParseArgsConfig } from 'node:util';

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
}

/** Help text of the flags every client command accepts. */
export const COMMON_HELP = `Common options:
  --url <url>[,<url>...]  node(s) to talk to; also ARTEMIS_URL        [${DEFAULT_URL}]
  --region <id>           region of the caller; also ARTEMIS_REGION   [the node's]
  --zone <id>             zone of the caller; also ARTEMIS_ZONE       [the node's]
  --json                  machine-readable JSON instead of tables
  --timeout <ms>          timeout of each HTTP attempt                [5000]
  -h, --help              show this help
`;

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

const COMMON_OPTIONS: OptionSpec = {
  url: { type: 'string' },
  server: { type: 'string' },
  region: { type: 'string' },
  zone: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
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

/** Parses the common flags plus `options`. @throws UsageError on unknown or malformed flags */
export function parseCommand(argv: string[], options: OptionSpec, env: NodeJS.ProcessEnv): Parsed {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
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
  };
  return { flags, values: v, positionals: parsed.positionals, help: v.help === true };
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

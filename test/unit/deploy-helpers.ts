import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix } from 'node:path';
import { parseArgs } from 'node:util';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { expect } from 'vitest';
import { FLAG_KEYS } from '../../src/cli/server-command.js';
import { configLeaves, envNameOf } from '../../src/config/leaves.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema, type Config } from '../../src/config/schema.js';

/**
 * What the deployment artefact tests share: the repository's files, a node's configuration as
 * `artemis server` builds it, and the stages of the Dockerfile.
 */

export const root = join(import.meta.dirname, '../..');
export const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
export const require = createRequire(import.meta.url);

export type Obj = Record<string, any>;

export const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
export const cliMain = pkg.bin.artemis as string;
export const defaults = configSchema.parse({});
export const envNames = new Set(configLeaves.map((l) => envNameOf(l.path)));

// ---------------------------------------------------------------------------------------------
// A node's configuration as `artemis server` would build it from a command line, a config file
// and the environment. Unknown flags, keys or ARTEMIS_* variables fail.

export function serverConfig(args: string[], opts: { env?: Record<string, string>; file?: Obj } = {}): Config {
  expect(args[0], 'the command runs `artemis server`').toBe('server');
  const options = Object.fromEntries(Object.keys(FLAG_KEYS).map((k) => [k, { type: 'string' as const }]));
  const { values } = parseArgs({
    args: args.slice(1),
    options: { ...options, config: { type: 'string' }, set: { type: 'string', multiple: true } },
    strict: true,
    allowPositionals: false,
  });
  const v = values as Record<string, string | string[] | undefined>;
  const flags: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(FLAG_KEYS)) if (typeof v[flag] === 'string') flags[key] = v[flag];
  for (const item of (v.set as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    expect(eq, `--set ${item}: key=value`).toBeGreaterThan(0);
    flags[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  if (typeof v.config === 'string') expect(opts.file, `--config ${v.config} is provided`).toBeDefined();
  const loaded = loadConfig({ file: opts.file && { path: 'artemis.yaml', values: opts.file }, env: opts.env ?? {}, flags });
  expect(loaded.warnings).toEqual([]);
  return loaded.config;
}

/** A value computed on first use, so that a failure belongs to the tests that use it. */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

export function sorted(items: Iterable<string>): string[] {
  return [...items].sort();
}

export function expectSeedsAreAllNodes(configs: Config[]): void {
  const urls = sorted(configs.map((c) => c.nodeUrl));
  expect(new Set(urls).size).toBe(configs.length);
  for (const c of configs) expect(sorted(c.cluster.seeds)).toEqual(urls);
}

/** Seconds of a Compose duration such as "15s", "1m30s" or "500ms". */
export function durationSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)) total += Number(m[1]) * (units[m[2] as string] as number);
  expect(text.replace(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g, ''), `duration ${text}`).toBe('');
  return total;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

export interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

export function dockerStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of DockerfileParser.parse(text).getInstructions()) {
    if (ins.getKeyword() === 'FROM') {
      const args = ins.getArguments().map((a) => a.getValue());
      stages.push({ image: args[0] ?? '', name: args[1]?.toUpperCase() === 'AS' ? (args[2] ?? null) : null, instructions: [] });
    } else stages.at(-1)?.instructions.push(ins);
  }
  return stages;
}

export const argsOf = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

/** The user the final stage runs as: its last USER, else root. */
export function finalUser(stages: Stage[]): string {
  return argsOf(stages.at(-1) as Stage, 'USER').at(-1)?.trim() ?? 'root';
}

export const dockerfile = read('Dockerfile');
export const stages = dockerStages(dockerfile);
export const runtime = stages.at(-1) as Stage;
export const workdir = argsOf(runtime, 'WORKDIR').at(-1) ?? '/';
export const imageDataDir = posix.resolve(workdir, defaults.dataDir);
export const healthcheckScript = lazy(() => {
  const content = argsOf(runtime, 'HEALTHCHECK').at(-1) ?? '';
  const json = JSON.parse(content.slice(content.indexOf('CMD') + 3).trim()) as string[];
  expect(json.slice(0, 2)).toEqual(['node', '-e']);
  return json[2] as string;
});

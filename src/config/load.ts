import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config, type ParsedConfig } from './schema.js';
import { configLeaves, type Leaf } from './leaves.js';

/** Thrown when configuration is invalid; `problems` lists every one of them. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type ConfigSourceName = 'defaults' | 'file' | 'env' | 'flags';

export interface ConfigSources {
  /** Parsed contents of the `--config` file (YAML or JSON). */
  file?: { path: string; values: Record<string, unknown> };
  /** Environment, e.g. process.env; only ARTEMIS_* names are read. */
  env?: Record<string, string | undefined>;
  /** Overrides from CLI flags, as dotted paths to raw strings or typed values. */
  flags?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** Where each key's effective value came from. */
  origins: ReadonlyMap<string, ConfigSourceName>;
  /** Non-fatal remarks, e.g. unknown ARTEMIS_* variables. */
  warnings: string[];
}

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let cur = tree;
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg];
    if (!isTree(next)) cur[seg] = {};
    cur = cur[seg] as Tree;
  }
  cur[path[path.length - 1] as string] = value;
}

function mergeInto(target: Tree, source: Tree): void {
  for (const [k, v] of Object.entries(source)) {
    const t = target[k];
    if (isTree(v) && isTree(t)) mergeInto(t, v);
    else target[k] = isTree(v) ? structuredClone(v) : v;
  }
}

/** Converts a string from the environment or a flag to the leaf's type; `undefined` = invalid. */
function convert(leaf: Leaf, raw: string): unknown {
  const s = raw.trim();
  switch (leaf.kind) {
    case 'number': {
      if (!/^-?\d+(\.\d+)?$/.test(s)) return undefined;
      return Number(s);
    }
    case 'boolean':
      if (/^true$/i.test(s)) return true;
      if (/^false$/i.test(s)) return false;
      return undefined;
    case 'record': {
      const out: Record<string, number> = {};
      for (const item of s.split(',').map((x) => x.trim()).filter(Boolean)) {
        const idx = item.indexOf(':');
        const n = Number(item.slice(idx + 1).trim());
        if (idx <= 0 || !Number.isFinite(n)) return undefined;
        out[item.slice(0, idx).trim()] = n;
      }
      return out;
    }
    case 'list':
      return s.split(',').map((x) => x.trim()).filter(Boolean);
    case 'string':
      return raw;
  }
}

const leafByPath = new Map(configLeaves.map((l) => [l.path.join('.'), l]));
const leafByEnv = new Map(configLeaves.map((l) => [l.envName, l]));

/** Reads a YAML or JSON config file into a plain object. */
export function readConfigFile(path: string): { path: string; values: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read config file ${path}: ${(err as Error).message}`]);
  }
  let values: unknown;
  try {
    values = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`config file ${path} is not valid YAML/JSON: ${(err as Error).message}`]);
  }
  if (values === null || values === undefined) values = {};
  if (!isTree(values)) throw new ConfigError([`config file ${path} must hold an object at the top level`]);
  return { path, values };
}

function describeOrigin(key: string, origins: Map<string, ConfigSourceName>, file: string | undefined): string {
  switch (origins.get(key)) {
    case 'env':
      return ` (from ${leafByPath.get(key)?.envName ?? 'environment'})`;
    case 'flags':
      return ' (from a command-line flag)';
    case 'file':
      return ` (from ${file ?? 'the config file'})`;
    default:
      return '';
  }
}

function normaliseContextPath(p: string): string {
  const trimmed = p.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function deepFreeze<T>(o: T): T {
  if (isTree(o)) for (const v of Object.values(o)) deepFreeze(v);
  return Object.freeze(o);
}

/** Normalises derived keys. `nodeId` and `nodeUrl` stay empty when unset: the node fills them once it knows its port. */
export function deriveDefaults(c: ParsedConfig): ParsedConfig {
  return { ...c, contextPath: normaliseContextPath(c.contextPath), nodeUrl: c.nodeUrl.replace(/\/+$/, '') };
}

/** The URL a node announces: `nodeUrl` when set, else http(s)://<host>:<port><contextPath> (https with tls.certFile). */
export function advertisedUrl(c: Config, port: number): string {
  if (c.nodeUrl !== '') return c.nodeUrl;
  const host = c.host === '0.0.0.0' || c.host === '::' ? hostname() : c.host;
  return `${c.tls.certFile === '' ? 'http' : 'https'}://${host}:${port}${c.contextPath}`;
}

export function effectiveNodeId(c: Config, port: number): string {
  return c.nodeId !== '' ? c.nodeId : `${hostname()}:${port}`;
}

/**
 * Merges defaults < file < env < flags, validates once listing every problem, and returns a
 * frozen config. Pure: reads the file only if `sources.file` was produced by readConfigFile.
 */
export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const origins = new Map<string, ConfigSourceName>();
  const merged: Tree = {};

  if (sources.file) {
    mergeInto(merged, sources.file.values);
    for (const leaf of configLeaves) {
      let cur: unknown = sources.file.values;
      for (const seg of leaf.path) cur = isTree(cur) ? cur[seg] : undefined;
      if (cur !== undefined) origins.set(leaf.path.join('.'), 'file');
    }
  }

  for (const [name, raw] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith('ARTEMIS_') || raw === undefined) continue;
    const leaf = leafByEnv.get(name);
    if (!leaf) {
      warnings.push(`unknown environment variable ${name} ignored`);
      continue;
    }
    const v = convert(leaf, raw);
    if (v === undefined) problems.push(`${name}: cannot read "${raw}" as a ${leaf.kind}`);
    else {
      setPath(merged, leaf.path, v);
      origins.set(leaf.path.join('.'), 'env');
    }
  }

  for (const [key, raw] of Object.entries(sources.flags ?? {})) {
    if (raw === undefined) continue;
    const leaf = leafByPath.get(key);
    if (!leaf) {
      problems.push(`unknown configuration key ${key}`);
      continue;
    }
    const v = typeof raw === 'string' ? convert(leaf, raw) : raw;
    if (v === undefined) problems.push(`--${key}: cannot read ${typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw)} as a ${leaf.kind}`);
    else {
      setPath(merged, leaf.path, v);
      origins.set(key, 'flags');
    }
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const at = issue.path.join('.');
      problems.push(at === '' ? issue.message : `${at}${describeOrigin(at, origins, sources.file?.path)}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const config = deepFreeze(deriveDefaults(result.data));
  for (const leaf of configLeaves) if (!origins.has(leaf.path.join('.'))) origins.set(leaf.path.join('.'), 'defaults');
  return { config, origins, warnings };
}

/** Reads a key by dotted path (for status output). */
export function configValue(config: Config, path: readonly string[]): unknown {
  let cur: unknown = config;
  for (const seg of path) cur = isTree(cur) ? cur[seg] : undefined;
  return cur;
}

/** Keys whose values are never shown (config.json, logs). */
const SECRET_KEYS = new Set(['cluster.key', 'cluster.previousKeys', 'security.initialAdminToken']);

/** A value safe to show: secrets masked, passwords in URLs (`redis://:pw@host`) hidden, in lists too. */
export function redactedValue(key: string, value: unknown): unknown {
  if (SECRET_KEYS.has(key)) return Array.isArray(value) ? value.map(() => '***') : value === '' ? '' : '***';
  if (Array.isArray(value)) return value.map((v: unknown) => redactedValue(key, v));
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(value)) {
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
  }
  return value;
}

/** The configuration with every secret redacted, for logging. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const leaf of configLeaves) {
    let holder = copy;
    for (const part of leaf.path.slice(0, -1)) holder = holder[part] as Record<string, unknown>;
    const last = leaf.path[leaf.path.length - 1] as string;
    holder[last] = redactedValue(leaf.path.join('.'), holder[last]);
  }
  return copy;
}

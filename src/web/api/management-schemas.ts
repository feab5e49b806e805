import { z } from 'zod';
import * as groups from '../../core/wire/management-groups.js';
import * as management from '../../core/wire/management.js';
import * as tokens from '../../core/wire/tokens.js';

/**
 * The OpenAPI components of the management API, generated from the zod schemas of
 * core/wire/management*.ts (and token administration's, core/wire/tokens.ts) with `z.toJSONSchema`: one component per exported `…Schema` (named
 * without the suffix) and, per log endpoint, its request, row and response. Instance, Service,
 * ServiceGroup and ResponseStatus are referenced, not generated: the discovery part of the
 * document declares them.
 */

type Json = Record<string, unknown>;

const REFERENCED: ReadonlyArray<[z.ZodType, string]> = [
  [management.InstanceRef, 'Instance'],
  [management.ServiceRef, 'Service'],
  [management.ServiceGroupRef, 'ServiceGroup'],
  [management.ResponseStatusSchema, 'ResponseStatus'],
];

/** Generic shapes of the SDK, not components of their own (each log endpoint has its own). */
const NOT_COMPONENTS = new Set(['ResponseStatus', 'LogsRequest', 'LogRecord', 'LogsResponse']);

/** "instance-operation-logs" → "InstanceOperation": the stem of a log endpoint's component names. */
export function logSchemaName(path: string): string {
  return path
    .replace(/-logs$/, '')
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function logNote(path: string): string {
  const note = 'Filters combined with AND; blank or null filters are ignored, none returns the whole table.';
  if (path !== 'service-instance-logs') return note;
  return `${note} operation and operatorId match their own columns (the Java reference swaps them here).`;
}

function named(): Array<[string, z.ZodType]> {
  const out: Array<[string, z.ZodType]> = [];
  for (const mod of [management, groups, tokens] as Array<Record<string, unknown>>) {
    for (const [key, value] of Object.entries(mod)) {
      const name = key.replace(/Schema$/, '');
      if (key.endsWith('Schema') && value instanceof z.ZodType && !NOT_COMPONENTS.has(name)) out.push([name, value]);
    }
  }
  for (const { path, filters, fields } of management.LOG_ENDPOINTS) {
    const name = logSchemaName(path);
    const row = management.logRecordSchema(fields, `A row of the ${path.replace(/-logs$/, '')} log; rows may carry fields beyond those listed.`);
    out.push([`${name}LogsRequest`, management.logsRequestSchema(filters, logNote(path))]);
    out.push([`${name}Log`, row]);
    out.push([`${name}LogsResponse`, management.envelope('Matching rows, oldest first.', { logs: z.array(row) })]);
  }
  return out;
}

const SAFE = Number.MAX_SAFE_INTEGER;
const INT32 = 2_147_483_647;

/** JSON Schema as the document writes it (OpenAPI 3.1): integer bounds as formats, no `$schema`/`$id`, no closed or empty additionalProperties. */
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    if (k === '$id' || k === '$schema') continue;
    if (k === 'additionalProperties' && (v === false || (typeof v === 'object' && v !== null && Object.keys(v).length === 0))) continue;
    out[k] = tidy(v);
  }
  if (out['type'] === 'integer' && typeof out['maximum'] === 'number') {
    const format = out['maximum'] === SAFE ? 'int64' : out['maximum'] === INT32 ? 'int32' : undefined;
    if (format !== undefined) {
      delete out['minimum'];
      delete out['maximum'];
      out['format'] = format;
    }
  }
  return out;
}

let cached: Json | undefined;

/** The component schemas of /api/management/**, by name. */
export function managementComponents(): Json {
  if (cached !== undefined) return cached;
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of REFERENCED) registry.add(schema, { id });
  for (const [id, schema] of named()) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  const referenced = new Set(REFERENCED.map(([, id]) => id));
  cached = Object.fromEntries(Object.entries(schemas).filter(([id]) => !referenced.has(id)).map(([id, s]) => [id, tidy(s)]));
  return cached;
}

import { codeGenerationAllowed } from '../code-generation.js';
import { readInt32, readString, readStringMap } from './json-reader.js';

/**
 * Field tables: one declaration per field of a hot wire type (name in wire order, kind,
 * description, required). From a table come the TypeScript type (`WireObject`), the blank value
 * with every field at its Java default, the case-insensitive reader and the JSON Schema the
 * OpenAPI document shows.
 */

export type FieldKind = 'string' | 'int32' | 'stringMap';

export interface WireField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly description?: string;
  /** Required by the server (non-blank); the reader still accepts it absent. */
  readonly required?: boolean;
}

export type FieldValue<K extends FieldKind> = K extends 'int32'
  ? number
  : K extends 'stringMap'
    ? Record<string, string | null> | null
    : string | null;

/** The object type of a field table: every field present, as the wire writes it. */
export type WireObject<T extends readonly WireField[]> = { -readonly [F in T[number] as F['name']]: FieldValue<F['kind']> };

const DEFAULTS: { [K in FieldKind]: FieldValue<K> } = { string: null, int32: 0, stringMap: null };


type Reader = (value: unknown, path: string) => unknown;
const READERS: Record<FieldKind, Reader> = { string: readString, int32: readInt32, stringMap: readStringMap };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checked(fields: readonly WireField[]): readonly WireField[] {
  for (const f of fields) if (!IDENTIFIER.test(f.name)) throw new Error(`Field name is not an identifier: ${f.name}`);
  return fields;
}

export interface WireCodec<T> {
  /** A fresh object with every field given or at its default, keys in table order (so JSON.stringify writes wire order). */
  make(fields: Partial<T>): T;
  /** Reads a parsed JSON object: names match ignoring case, unknown names are ignored, absent fields take their default. */
  read(raw: Record<string, unknown>, path: string): T;
}

/**
 * What a field's case assigns. The common type is taken inline (the value as it is, exactly what
 * the reader would return for it); anything else goes to the kind's reader, and only then is the
 * field's path (for its error text) put together.
 */
function assignment(f: WireField): string {
  const slow = `R.${f.kind}(v, path + ${JSON.stringify(`.${f.name}`)})`;
  switch (f.kind) {
    case 'string':
      return `out.${f.name} = typeof v === 'string' ? v : ${slow};`;
    case 'int32':
      return `out.${f.name} = typeof v === 'number' && (v | 0) === v ? v : ${slow};`;
    case 'stringMap':
      return `out.${f.name} = v === null ? null : ${slow};`;
  }
}

/** The value a field's case assigns, as {@link assignment} writes it, for the plain codec. */
type FieldRead = (v: unknown, path: string) => unknown;
function fieldRead(f: WireField): FieldRead {
  const suffix = `.${f.name}`;
  switch (f.kind) {
    case 'string':
      return (v, path) => (typeof v === 'string' ? v : readString(v, path + suffix));
    case 'int32':
      return (v, path) => (typeof v === 'number' && (v | 0) === v ? v : readInt32(v, path + suffix));
    case 'stringMap':
      return (v, path) => (v === null ? null : readStringMap(v, path + suffix));
  }
}

/**
 * The maker and reader compiled into straight-line code (an object literal and a switch on the
 * name), as fast as writing them by hand. Names as the table spells them match first, without
 * lower-casing; any other spelling is matched lower-cased.
 */
function compiledCodec<O>(fields: readonly WireField[]): WireCodec<O> {
  const defaults = (f: WireField) => JSON.stringify(DEFAULTS[f.kind]);
  const make = `return { ${fields.map((f) => `${f.name}: f.${f.name} ?? ${defaults(f)}`).join(', ')} };`;
  const exact = fields.map((f) => `case ${JSON.stringify(f.name)}: ${assignment(f)} break;`).join('\n');
  const folded = fields.map((f) => `case ${JSON.stringify(f.name.toLowerCase())}: ${assignment(f)} break;`).join('\n');
  const read = [
    `const out = { ${fields.map((f) => `${f.name}: ${defaults(f)}`).join(', ')} };`,
    'for (const key of Object.keys(raw)) {',
    '  const v = raw[key];',
    `  switch (key) {\n${exact}\n  default:`,
    `    switch (key.toLowerCase()) {\n${folded}\n    default: break; }`,
    '  }',
    '}',
    'return out;',
  ].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code generated from the constant field table above
  const makeFn = new Function('f', make) as WireCodec<O>['make'];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- as above
  const readWith = new Function('R', 'raw', 'path', read) as (r: typeof READERS, raw: Record<string, unknown>, path: string) => O;
  return { make: makeFn, read: (raw, path) => readWith(READERS, raw, path) };
}

/** The same maker and reader as plain closures over the table, for a process that refuses code generation. */
function plainCodec<O>(fields: readonly WireField[]): WireCodec<O> {
  const exact = new Map<string, { name: string; read: FieldRead }>();
  const folded = new Map<string, { name: string; read: FieldRead }>();
  for (const f of fields) {
    const entry = { name: f.name, read: fieldRead(f) };
    exact.set(f.name, entry);
    folded.set(f.name.toLowerCase(), entry);
  }
  const make = (given: object): Record<string, unknown> => {
    const source = given as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f.name] = source[f.name] ?? DEFAULTS[f.kind];
    return out;
  };
  return {
    make: (given) => make(given) as O,
    read(raw, path) {
      // every field at its default, then the ones the body names
      const out = make({});
      for (const key of Object.keys(raw)) {
        const entry = exact.get(key) ?? folded.get(key.toLowerCase());
        if (entry !== undefined) out[entry.name] = entry.read(raw[key], path);
      }
      return out as O;
    },
  };
}

/**
 * The maker and reader of a field table: compiled once when the process allows code generation
 * ({@link codeGenerationAllowed}), else plain closures; both give the same objects and the same
 * failures. `compile` picks one explicitly.
 */
export function codecOf<T extends readonly WireField[]>(table: T, compile: boolean = codeGenerationAllowed): WireCodec<WireObject<T>> {
  const fields = checked(table);
  return compile ? compiledCodec(fields) : plainCodec(fields);
}

const SCHEMAS: Record<FieldKind, Record<string, unknown>> = {
  string: { type: ['string', 'null'] },
  int32: { type: 'integer', format: 'int32' },
  stringMap: { type: ['object', 'null'], additionalProperties: { type: ['string', 'null'] } },
};

/** JSON Schema 2020-12 of the objects a table describes (no other properties). */
export function jsonSchemaOf(fields: readonly WireField[], description: string): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of fields) {
    // Even a required field may come back null: failures echo the instance as it was sent.
    const base = SCHEMAS[f.kind];
    properties[f.name] = f.description === undefined ? base : { ...base, description: f.description };
  }
  const required = fields.filter((f) => f.required === true).map((f) => f.name);
  return { type: 'object', description, properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

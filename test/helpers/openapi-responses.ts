import { gunzipSync } from 'node:zlib';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Every answer a node under test gives is recorded (method, path, status, content type, body)
 * and checked against the OpenAPI document that same node serves at /openapi.json: the path and
 * method must be documented, the status listed, the content type declared and a JSON body must
 * match the response schema, read strictly: no property the schema does not name
 * (`additionalProperties: false` wherever a schema lists `properties`), `nullable` only next to a
 * `type` (OpenAPI 3.0.3), every format known.
 */

type Json = Record<string, any>;

/** One answer as it came off the wire. */
export interface RecordedAnswer {
  origin: string;
  method: string;
  url: string;
  status: number;
  headers: Headers;
  /** The body; `decoded` when the HTTP client already undid its content-encoding. */
  bytes: Buffer;
  decoded?: boolean;
}

/** One way an answer (or the document itself) differs from the document. */
export interface Mismatch {
  /** `METHOD /canonical/path status`, or `document` for a fault of the document itself. */
  endpoint: string;
  /** JSON pointer into the body (or into the document). */
  pointer: string;
  message: string;
  /** How many recorded answers showed this very mismatch. */
  count: number;
}

export interface AnswerReport {
  answers: number;
  /** Answers outside what a document describes, not checked: 404 for a path it does not have, CORS preflights (OPTIONS). */
  outside: number;
  mismatches: Mismatch[];
}

let recording = false;
let plainFetch: typeof fetch = globalThis.fetch;
const answers: RecordedAnswer[] = [];
const pending: Array<Promise<void>> = [];
const underTest = new Set<string>();
const documents = new Map<string, Promise<Json | Error>>();

export function isRecording(): boolean {
  return recording;
}

function loadDocument(origin: string): Promise<Json | Error> {
  let doc = documents.get(origin);
  if (doc === undefined) {
    doc = plainFetch(`${origin}/openapi.json`)
      .then(async (res) => (res.status === 200 ? ((await res.json()) as Json) : new Error(`GET ${origin}/openapi.json answered ${res.status}`)))
      .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    documents.set(origin, doc);
  }
  return doc;
}

/**
 * Marks `url`'s origin as a node under test: its answers to `fetch` are recorded. While
 * recording, reads the node's document at once, while the node surely serves it.
 */
export async function noteNodeUnderTest(url: string): Promise<void> {
  const origin = new URL(url).origin;
  underTest.add(origin);
  if (recording) await loadDocument(origin);
}

/** Records one answer (a no-op unless recording). */
export function recordAnswer(answer: RecordedAnswer): void {
  if (!recording) return;
  underTest.add(answer.origin);
  answers.push(answer);
  void loadDocument(answer.origin);
}

/** Starts recording: `fetch` is wrapped so that answers from nodes under test are kept too. */
export function startRecording(): void {
  if (recording) return;
  recording = true;
  plainFetch = globalThis.fetch;
  const inner = plainFetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await inner(input, init);
    // a followed redirect's answer is the answer of the URL it ended at
    const url = res.redirected && res.url !== '' ? res.url : input instanceof Request ? input.url : String(input);
    const origin = new URL(url).origin;
    if (underTest.has(origin)) {
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      const copy = res.clone();
      pending.push(
        copy.arrayBuffer().then(
          (buf) => recordAnswer({ origin, method, url, status: res.status, headers: res.headers, bytes: Buffer.from(buf), decoded: true }),
          () => undefined,
        ),
      );
    }
    return res;
  };
}

// ---------------------------------------------------------------------------
// The document, read strictly
// ---------------------------------------------------------------------------

const META = new Set(['description', 'title', 'default', 'deprecated', 'readOnly', 'writeOnly']);
const DROPPED = new Set(['example', 'examples', 'externalDocs', 'xml', 'discriminator']);
const FORMATS: Record<string, (n: number) => boolean> = {
  int32: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  int64: (n) => Number.isInteger(n),
  float: (n) => Number.isFinite(n),
  double: (n) => Number.isFinite(n),
};

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** An OpenAPI 3.0 schema as JSON Schema (draft-07) for ajv; faults of the schema go to `faults`. */
function toJsonSchema(schema: unknown, pointer: string, refBase: string, faults: Mismatch[]): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s = schema as Json;
  if (typeof s['$ref'] === 'string') {
    const ref = s['$ref'];
    const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
    if (m === null) {
      faults.push({ endpoint: 'document', pointer, message: `$ref ${ref} does not name a component schema`, count: 1 });
      return {};
    }
    return { $ref: `${refBase}#/definitions/${m[1]}` };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(s)) {
    if (DROPPED.has(key) || key === 'nullable' || key.startsWith('x-')) continue;
    if (META.has(key)) out[key] = value;
    else if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Json).map(([name, v]) => [name, toJsonSchema(v, `${pointer}/properties/${escape(name)}`, refBase, faults)]),
      );
    } else if (key === 'items' || key === 'not' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = toJsonSchema(value, `${pointer}/${key}`, refBase, faults);
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as unknown[]).map((v, i) => toJsonSchema(v, `${pointer}/${key}/${i}`, refBase, faults));
    } else if (key === 'format' && typeof value === 'string' && !(value in FORMATS) && s['type'] !== 'string') {
      faults.push({ endpoint: 'document', pointer: `${pointer}/format`, message: `unknown format "${value}"`, count: 1 });
    } else out[key] = value;
  }
  if (s['nullable'] === true) {
    if (typeof s['type'] === 'string') {
      out['type'] = [s['type'], 'null'];
      if (Array.isArray(s['enum'])) out['enum'] = [...(s['enum'] as unknown[]), null];
    } else {
      faults.push({ endpoint: 'document', pointer: `${pointer}/nullable`, message: '"nullable" without a "type" (OpenAPI 3.0.3 ignores it: null is not allowed)', count: 1 });
    }
  }
  if (s['properties'] !== undefined && s['additionalProperties'] === undefined) out['additionalProperties'] = false;
  return out;
}

interface CompiledDocument {
  doc: Json;
  faults: Mismatch[];
  validator(schema: unknown, pointer: string): ValidateFunction | Mismatch;
}

let ajv: Ajv | undefined;
let documentCount = 0;
const compiledByText = new Map<string, CompiledDocument>();

function newAjv(): Ajv {
  const a = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  for (const [name, check] of Object.entries(FORMATS)) a.addFormat(name, { type: 'number', validate: check });
  return a;
}

function contextPathOf(doc: Json): string {
  const url = (doc['servers'] as Array<{ url?: string }> | undefined)?.[0]?.url ?? '/';
  const path = new URL(url, 'http://x').pathname;
  return path === '/' ? '' : path.replace(/\/$/, '');
}

/** Documents that differ only in `servers` and `info` share one compiled form. */
function compileDocument(doc: Json): CompiledDocument {
  const text = JSON.stringify({ paths: doc['paths'], components: doc['components'] });
  const known = compiledByText.get(text);
  if (known !== undefined) return known;
  ajv ??= newAjv();
  const a = ajv;
  const refBase = `openapi-${++documentCount}`;
  const faults: Mismatch[] = [];
  const definitions: Json = {};
  for (const [name, schema] of Object.entries((doc['components']?.['schemas'] ?? {}) as Json)) {
    definitions[name] = toJsonSchema(schema, `#/components/schemas/${escape(name)}`, refBase, faults);
  }
  try {
    a.addSchema({ $id: refBase, definitions });
    a.getSchema(refBase);
  } catch (err) {
    faults.push({ endpoint: 'document', pointer: '#/components/schemas', message: `does not compile strictly: ${(err as Error).message}`, count: 1 });
  }
  const byPointer = new Map<string, ValidateFunction | Mismatch>();
  const compiled: CompiledDocument = {
    doc,
    faults,
    validator(schema, pointer) {
      let v = byPointer.get(pointer);
      if (v === undefined) {
        const local: Mismatch[] = [];
        const converted = toJsonSchema(schema, pointer, refBase, local);
        try {
          v = a.compile(converted as object);
        } catch (err) {
          v = { endpoint: 'document', pointer, message: `does not compile strictly: ${(err as Error).message}`, count: 1 };
        }
        faults.push(...local.filter((f) => !faults.some((g) => g.pointer === f.pointer && g.message === f.message)));
        byPointer.set(pointer, v);
      }
      return v;
    },
  };
  compiledByText.set(text, compiled);
  return compiled;
}

function resolveRef(doc: Json, value: Json): { value: Json; pointer?: string } {
  const ref = value['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return { value };
  let cur: unknown = doc;
  for (const seg of ref.slice(2).split('/')) cur = (cur as Json | undefined)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  return { value: cur ?? {}, pointer: ref };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The document's path for a request path: below the context path, with or without `.json`. */
function canonicalPath(doc: Json, pathname: string): string | undefined {
  const paths = doc['paths'] as Json;
  const contextPath = contextPathOf(doc);
  let p = pathname;
  if (contextPath !== '' && (p === contextPath || p.startsWith(`${contextPath}/`))) p = p.slice(contextPath.length) || '/';
  if (p in paths) return p;
  if (`${p}.json` in paths) return `${p}.json`;
  return undefined;
}

function bodyText(answer: RecordedAnswer): string {
  const encoding = answer.headers.get('content-encoding');
  const raw = !answer.decoded && encoding !== null && /gzip/i.test(encoding) ? gunzipSync(answer.bytes) : answer.bytes;
  return raw.toString('utf8');
}

function errorsOf(endpoint: string, errors: ErrorObject[] | null | undefined): Array<Omit<Mismatch, 'count'>> {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
    return { endpoint, pointer: e.instancePath === '' ? '/' : e.instancePath, message: `${e.message ?? e.keyword}${extra} (schema ${e.schemaPath})` };
  });
}

/** The mismatches of one answer against the document of its node. */
function check(doc: Json, compiled: CompiledDocument, answer: RecordedAnswer): Array<Omit<Mismatch, 'count'>> | 'outside' {
  const url = new URL(answer.url);
  const path = canonicalPath(doc, url.pathname);
  const where = (p: string) => `${answer.method} ${p} ${answer.status}`;
  // CORS preflights are HTTP plumbing on every path, not operations an OpenAPI document describes
  if (answer.method === 'OPTIONS') return 'outside';
  if (path === undefined) {
    if (answer.status === 404) return 'outside';
    return [{ endpoint: where(url.pathname), pointer: '', message: 'path is not in the document' }];
  }
  const item = (doc['paths'] as Json)[path] as Json;
  let op = item[answer.method.toLowerCase()] as Json | undefined;
  if (op === undefined) {
    // a method the path does not have: its 405 is the one every operation of the path lists
    if (answer.status !== 405) return [{ endpoint: where(path), pointer: '', message: `method ${answer.method} is not in the document for this path` }];
    op = METHODS.map((m) => item[m] as Json | undefined).find((o) => o?.['responses']?.['405'] !== undefined);
    if (op === undefined) return [{ endpoint: where(path), pointer: '', message: 'answered 405, which no operation of the path documents' }];
  }
  const responses = (op['responses'] ?? {}) as Json;
  const code = String(answer.status);
  const declared = (responses[code] ?? responses[`${code[0]}XX`] ?? responses['default']) as Json | undefined;
  if (declared === undefined) return [{ endpoint: where(path), pointer: '', message: `status ${code} is not documented (documented: ${Object.keys(responses).join(', ')})` }];
  const { value: response, pointer: responsePointer } = resolveRef(doc, declared);
  const content = response['content'] as Json | undefined;
  const hasBody = answer.bytes.length > 0;
  if (content === undefined || Object.keys(content).length === 0) {
    return hasBody ? [{ endpoint: where(path), pointer: '', message: `answered a body (${answer.headers.get('content-type')}) where the document declares none` }] : [];
  }
  if (!hasBody) return answer.method === 'HEAD' ? [] : [{ endpoint: where(path), pointer: '', message: `answered no body; the document declares ${Object.keys(content).join(', ')}` }];
  const mediaType = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const media = content[mediaType] as Json | undefined;
  if (media === undefined) return [{ endpoint: where(path), pointer: '', message: `content type "${mediaType}" is not declared (declared: ${Object.keys(content).join(', ')})` }];
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) return [];
  let body: unknown;
  try {
    body = JSON.parse(bodyText(answer));
  } catch (err) {
    return [{ endpoint: where(path), pointer: '', message: `body is not JSON: ${(err as Error).message}` }];
  }
  const schemaPointer = `${responsePointer ?? `#/paths/${escape(path)}/${answer.method.toLowerCase()}/responses/${code}`}/content/${escape(mediaType)}/schema`;
  const validate = compiled.validator(media['schema'] ?? {}, schemaPointer);
  if (typeof validate !== 'function') return [{ ...validate, endpoint: where(path) }];
  return validate(body) ? [] : errorsOf(where(path), validate.errors);
}

/** Checks every answer recorded so far against the document of its node, and forgets them. */
export async function checkRecordedAnswers(): Promise<AnswerReport> {
  await Promise.race([Promise.allSettled(pending.splice(0)), new Promise((r) => setTimeout(r, 5_000).unref())]);
  const taken = answers.splice(0);
  const docs = new Map<string, Json | Error>();
  for (const answer of taken) if (!docs.has(answer.origin)) docs.set(answer.origin, await loadDocument(answer.origin));
  return checkAnswers(docs, taken);
}

/** Checks `taken` against the documents of their origins. */
export function checkAnswers(docs: ReadonlyMap<string, Json | Error>, taken: readonly RecordedAnswer[]): AnswerReport {
  const found = new Map<string, Mismatch>();
  // array indices are folded (`/services/*/instances/*`), keeping the first pointer as an example
  const add = (m: Omit<Mismatch, 'count'>, count = 1) => {
    const general = m.endpoint === 'document' ? m.pointer : m.pointer.replace(/\/\d+(?=\/|$)/g, '/*');
    const key = `${m.endpoint}\u0000${general}\u0000${m.message}`;
    const known = found.get(key);
    if (known !== undefined) known.count += count;
    else found.set(key, { ...m, pointer: general === m.pointer ? m.pointer : `${general} (e.g. ${m.pointer})`, count });
  };
  let outside = 0;
  const faultsSeen = new Set<CompiledDocument>();
  for (const answer of taken) {
    const doc = docs.get(answer.origin) ?? new Error(`no document for ${answer.origin}`);
    if (doc instanceof Error) {
      add({ endpoint: `${answer.method} ${new URL(answer.url).pathname} ${answer.status}`, pointer: '', message: `the node's document could not be read: ${doc.message}` });
      continue;
    }
    const compiled = compileDocument(doc);
    const result = check(doc, compiled, answer);
    if (result === 'outside') outside++;
    else for (const m of result) add(m);
    faultsSeen.add(compiled);
  }
  for (const compiled of faultsSeen) for (const f of compiled.faults) add(f, 0);
  return { answers: taken.length, outside, mismatches: [...found.values()] };
}

/** A readable listing: one line per mismatch, document faults first. */
export function formatMismatches(report: AnswerReport): string {
  const sorted = [...report.mismatches].sort((a, b) => (a.endpoint === 'document' ? 0 : 1) - (b.endpoint === 'document' ? 0 : 1) || a.endpoint.localeCompare(b.endpoint) || a.pointer.localeCompare(b.pointer));
  const lines = sorted.map((m) => `  ${m.endpoint}  ${m.pointer === '' ? '(answer)' : m.pointer}: ${m.message}${m.count > 1 ? `  [${m.count} answers]` : ''}`);
  return `${report.mismatches.length} OpenAPI mismatch(es) in ${report.answers} recorded answers:\n${lines.join('\n')}`;
}

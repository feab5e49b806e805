import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { BAD_SIGNINGS, type PeerSigning } from './peer-signing.js';
import { draw, valueOf, type Json } from './schema-arbitrary.js';

/** One operation of the served document: what a case is generated from. */
export interface Operation {
  family: string;
  method: 'GET' | 'POST';
  path: string;
  access: string;
  /** The request body schema (POST), resolved lazily against the document. */
  body: Json | undefined;
  query: Array<{ name: string; required: boolean }>;
}

export type CaseKind =
  | 'valid'
  | 'valid-gzip'
  | 'java-style'
  | 'boundary'
  | 'wrong-type'
  | 'oversized'
  | 'malformed-json'
  | 'wrong-content-type'
  | 'gzip-bomb'
  | 'bad-encoding'
  | 'query';

export const POST_KINDS: readonly CaseKind[] = ['valid', 'valid-gzip', 'java-style', 'boundary', 'wrong-type', 'oversized', 'malformed-json', 'wrong-content-type', 'gzip-bomb', 'bad-encoding'];
export const GET_KINDS: readonly CaseKind[] = ['valid', 'query', 'boundary'];

/** Credentials a case may carry: the configured ones, wrong ones, or none. */
export interface Credentials {
  /** Bearer token accepted by the node, when it has one configured. */
  token?: string | undefined;
  clusterSecret?: string | undefined;
}

/** A request as sent: method, path with query, header list (repeats allowed), body bytes. */
export interface FuzzCase {
  id: number;
  family: string;
  op: string;
  kind: CaseKind;
  credentials: 'valid' | 'wrong' | 'none';
  /** Peer-only endpoints: how the call is signed (test/fuzz/peer-signing.ts), at send time. */
  peer?: PeerSigning;
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body: Buffer | undefined;
}

export interface Limits {
  maxBodyBytes: number;
  maxFieldLength: number;
  maxInstancesPerRequest: number;
}

const JSON_TYPE: [string, string] = ['content-type', 'application/json'];
const WRONG_TYPES = ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', 'application/json, text/plain', ''];

const CREDENTIALS = ['valid', 'wrong', 'none'] as const;
/** Peer calls: three in five signed with the cluster key, one badly signed, one unsigned. */
const PEER_CREDENTIALS = ['valid', 'valid', 'valid', 'wrong', 'none'] as const;

/** Simple deterministic choices from a case seed (the schema draws use fast-check with the same seed). */
class Pick {
  private state: number;
  constructor(seed: number) {
    // murmur3's finaliser: neighbouring case seeds start far apart
    let h = seed >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    this.state = (h ^ (h >>> 16)) >>> 0 || 1;
  }
  next(): number {
    // xorshift32
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  of<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
}

/** Every path to a primitive or container inside a JSON value. */
function slots(value: unknown, path: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (path.length > 0) out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => slots(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) slots(v, [...path, k], out);
  return out;
}

function replaceAt(value: unknown, path: Array<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return (value as unknown[]).map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  if (value !== null && typeof value === 'object') return { ...(value as Record<string, unknown>), [head as string]: replaceAt((value as Record<string, unknown>)[head as string], rest, replacement) };
  return value;
}

function getAt(value: unknown, path: Array<string | number>): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), value);
}

function wrongTypeFor(current: unknown, pick: Pick): unknown {
  const options: unknown[] = [null, 0, -1, 1e308, true, 'x', '', [], {}, [null], { a: 1 }, '1'];
  const differs = options.filter((o) => typeof o !== typeof current || Array.isArray(o) !== Array.isArray(current) || (o === null) !== (current === null));
  return pick.of(differs.length > 0 ? differs : options);
}

function boundaryString(limits: Limits, pick: Pick): string {
  return pick.of([
    '',
    ' ',
    '\t\n',
    'x'.repeat(limits.maxFieldLength),
    'x'.repeat(limits.maxFieldLength + 1),
    '\u0000',
    '\ud800',
    '😀'.repeat(50),
    '../../etc/passwd',
    '%00%2e%2e',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '__proto__',
    'constructor',
  ]);
}

function malformed(valid: string, limits: Limits, pick: Pick): Buffer {
  const options: Array<() => Buffer> = [
    () => Buffer.from(valid.slice(0, Math.max(1, pick.int(valid.length)))),
    () => Buffer.from(`${valid}}`),
    () => Buffer.from(`\ufeff${valid}`),
    () => Buffer.from('{"instances":[{"serviceId":"a",}]}'),
    () => Buffer.from('[[[[[[[[[[[[[[[[[[[['.repeat(Math.min(5_000, limits.maxBodyBytes / 40))),
    () => Buffer.from(`${'{"a":'.repeat(Math.min(20_000, limits.maxBodyBytes / 10))}1${'}'.repeat(Math.min(20_000, limits.maxBodyBytes / 10))}`),
    () => Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
    () => Buffer.from('NaN'),
    () => Buffer.from('"just a string"'),
    () => Buffer.from('null'),
    () => Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + pick.int(256)) & 255)),
    () => Buffer.from('{"a":"\\ud800"}'),
    () => Buffer.from('{"a":1e999999}'),
  ];
  return pick.of(options)();
}

/** The request of case `id` for `op`, reproducible from (seed, id). */
export function makeCase(op: Operation, doc: Json, id: number, seed: number, limits: Limits, creds: Credentials): FuzzCase {
  const caseSeed = (seed * 1_000_003 + id) | 0;
  const pick = new Pick(caseSeed);
  const kind = pick.of(op.method === 'GET' ? GET_KINDS : POST_KINDS);
  const headers: Array<[string, string]> = [];
  const credentials = pick.of(op.access === 'peer-only' ? PEER_CREDENTIALS : CREDENTIALS);
  if (credentials !== 'none') {
    const wrong = credentials === 'wrong';
    if (creds.token !== undefined || wrong) headers.push(['authorization', `Bearer ${wrong ? 'not-a-token' : creds.token}`]);
    if (creds.clusterSecret !== undefined || wrong) headers.push(['x-artemis-cluster-secret', wrong ? 'wrong-secret' : creds.clusterSecret!]);
  }
  if (pick.int(8) === 0) headers.push(['origin', pick.of(['http://evil.example', 'null'])]);
  // peer calls: most signed as a real peer signs them, so their bodies get past the signature check
  const peer = op.access !== 'peer-only' ? undefined : credentials === 'none' ? 'unsigned' : credentials === 'wrong' ? pick.of(BAD_SIGNINGS) : 'signed';
  const peerPart = peer === undefined ? {} : { peer };

  let path = op.path;
  if (op.method === 'GET') {
    const params = new URLSearchParams();
    for (const q of op.query) {
      if (!q.required && pick.int(2) === 0) continue;
      if (kind === 'query' && pick.int(3) === 0) continue;
      const value = kind === 'boundary' ? boundaryString(limits, pick) : kind === 'query' ? draw(fc.string({ maxLength: 40 }), caseSeed + q.name.length) : pick.of(['fz.alpha', 'SHA', 'sha-z1', 'FZ.ALPHA']);
      params.append(q.name, value);
    }
    if (kind === 'query') for (let i = 0; i < pick.int(4); i++) params.append(pick.of(['serviceId', 'regionId', 'x', '__proto__', '']), pick.of(['', 'a'.repeat(3000), '%zz', '\u0000']));
    const qs = params.toString();
    if (qs !== '') path = `${path}?${qs}`;
    if (pick.int(10) === 0) headers.push(['if-none-match', pick.of(['*', 'W/"1"', '"x"', ''])]);
    if (pick.int(4) === 0) headers.push(['accept-encoding', 'gzip']);
    return { id, family: op.family, op: `${op.method} ${op.path}`, kind, credentials, ...peerPart, method: 'GET', path, headers, body: undefined };
  }

  const value = op.body === undefined ? {} : draw(valueOf(op.body, doc), caseSeed);
  let body: Buffer;
  switch (kind) {
    case 'valid':
      headers.push(JSON_TYPE);
      body = Buffer.from(JSON.stringify(value));
      break;
    case 'valid-gzip':
      headers.push(JSON_TYPE, ['content-encoding', 'gzip']);
      body = gzipSync(JSON.stringify(value));
      break;
    case 'java-style':
      headers.push(JSON_TYPE, ['accept', 'application/json'], JSON_TYPE, ['accept', 'application/json'], ['content-encoding', 'gzip'], ['accept-encoding', 'gzip,deflate']);
      body = gzipSync(JSON.stringify(value));
      break;
    case 'boundary':
    case 'wrong-type': {
      headers.push(JSON_TYPE);
      const where = slots(value);
      let mutated: unknown = value;
      for (let i = 0; i < 1 + pick.int(3) && where.length > 0; i++) {
        const at = pick.of(where);
        const current = getAt(mutated, at);
        mutated = replaceAt(mutated, at, kind === 'wrong-type' ? wrongTypeFor(current, pick) : typeof current === 'number' ? pick.of([0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5]) : boundaryString(limits, pick));
      }
      if (kind === 'wrong-type' && pick.int(4) === 0) mutated = wrongTypeFor(mutated, pick);
      if (kind === 'boundary' && pick.int(6) === 0 && Array.isArray((value as Json).instances)) {
        const one = ((value as Json).instances as unknown[])[0] ?? {};
        mutated = { instances: Array.from({ length: pick.of([0, limits.maxInstancesPerRequest, limits.maxInstancesPerRequest + 1]) }, () => one) };
      }
      body = Buffer.from(JSON.stringify(mutated) ?? 'null');
      break;
    }
    case 'oversized': {
      headers.push(JSON_TYPE);
      const pad = limits.maxBodyBytes + pick.of([1, 1024, limits.maxBodyBytes]);
      body = Buffer.from(`{"pad":"${'x'.repeat(pad)}"}`);
      if (pick.int(2) === 0) headers.push(['transfer-encoding', 'chunked']);
      break;
    }
    case 'malformed-json':
      headers.push(JSON_TYPE);
      body = malformed(JSON.stringify(value), limits, pick);
      break;
    case 'wrong-content-type': {
      const type = pick.of(WRONG_TYPES);
      if (type !== '') headers.push(['content-type', type]);
      body = Buffer.from(JSON.stringify(value));
      break;
    }
    case 'gzip-bomb': {
      headers.push(JSON_TYPE, ['content-encoding', 'gzip']);
      // small on the wire, far larger than the body limit once inflated (or a broken stream)
      const inflated = pick.of([limits.maxBodyBytes + 1, limits.maxBodyBytes * 4, 16 * 1024 * 1024]);
      const bomb = gzipSync(Buffer.alloc(inflated, 0x20));
      body = pick.int(5) === 0 ? bomb.subarray(0, Math.max(10, pick.int(bomb.length))) : bomb;
      break;
    }
    case 'bad-encoding':
      headers.push(JSON_TYPE, ['content-encoding', pick.of(['deflate', 'br', 'compress', 'gzip, gzip', 'identity', 'GZIP'])]);
      body = Buffer.from(JSON.stringify(value));
      break;
    default:
      headers.push(JSON_TYPE);
      body = Buffer.from(JSON.stringify(value));
  }
  return { id, family: op.family, op: `${op.method} ${op.path}`, kind, credentials, ...peerPart, method: 'POST', path, headers, body };
}

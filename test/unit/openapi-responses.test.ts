import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkAnswers, type RecordedAnswer } from '../helpers/openapi-responses.js';

/** The strict reading of a document by the answer check: what passes and what is reported. */

const ORIGIN = 'http://127.0.0.1:1';

function doc(extra: Record<string, unknown> = {}) {
  return {
    openapi: '3.0.3',
    info: { title: 't', version: '0' },
    servers: [{ url: '/ctx' }],
    paths: {
      '/api/thing.json': {
        post: {
          responses: {
            '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            '405': { $ref: '#/components/responses/Error' },
          },
        },
      },
    },
    components: {
      schemas: {
        Thing: {
          type: 'object',
          properties: { name: { type: 'string', nullable: true }, size: { type: 'integer', format: 'int32' }, ...extra },
          required: ['name'],
          example: { name: 'x' },
        },
        Error: { type: 'object', properties: { responseStatus: { type: 'object' } } },
      },
      responses: { Error: { description: 'err', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
    },
  };
}

function answer(path: string, status: number, body: unknown, init: { method?: string; type?: string; gzip?: boolean } = {}): RecordedAnswer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = new Headers({ 'content-type': init.type ?? 'application/json; charset=utf-8' });
  if (init.gzip === true) headers.set('content-encoding', 'gzip');
  return {
    origin: ORIGIN,
    method: init.method ?? 'POST',
    url: `${ORIGIN}${path}`,
    status,
    headers,
    bytes: init.gzip === true ? gzipSync(text) : Buffer.from(text),
  };
}

const check = (d: object, ...answers: RecordedAnswer[]) => checkAnswers(new Map([[ORIGIN, d as Record<string, unknown>]]), answers);

describe('answers checked against an OpenAPI document', () => {
  it('passes answers that match, below the context path, without .json, gzip-encoded, with null where nullable', () => {
    const report = check(
      doc(),
      answer('/api/thing.json', 200, { name: 'a', size: 3 }),
      answer('/ctx/api/thing', 200, { name: null }),
      answer('/api/thing.json', 200, { name: 'z' }, { gzip: true }),
      answer('/api/thing.json', 405, { responseStatus: {} }, { method: 'GET' }),
      answer('/api/nothing.json', 404, { responseStatus: {} }),
    );
    expect(report.mismatches).toEqual([]);
    expect(report.answers).toBe(5);
    expect(report.outside).toBe(1);
  });

  it('reports an unknown property, a wrong type, a missing required property and a bad int32, with their pointers', () => {
    const report = check(
      doc(),
      answer('/api/thing.json', 200, { name: 'a', extra: 1 }),
      answer('/api/thing.json', 200, { name: 5 }),
      answer('/api/thing.json', 200, { size: 2 ** 40 }),
    );
    const lines = report.mismatches.map((m) => `${m.endpoint} ${m.pointer} ${m.message.replace(/ \(schema .*\)$/, '')}`);
    expect(lines).toEqual([
      'POST /api/thing.json 200 / must NOT have additional properties "extra"',
      'POST /api/thing.json 200 /name must be string,null',
      "POST /api/thing.json 200 / must have required property 'name'",
      'POST /api/thing.json 200 /size must match format "int32"',
    ]);
  });

  it('reports an undocumented status, content type, path and method', () => {
    const report = check(
      doc(),
      answer('/api/thing.json', 500, { responseStatus: {} }),
      answer('/api/thing.json', 200, 'text', { type: 'text/plain' }),
      answer('/api/other.json', 200, {}),
      answer('/api/thing.json', 200, { name: 'a' }, { method: 'GET' }),
    );
    expect(report.mismatches.map((m) => m.message)).toEqual([
      'status 500 is not documented (documented: 200, 405)',
      'content type "text/plain" is not declared (declared: application/json)',
      'path is not in the document',
      'method GET is not in the document for this path',
    ]);
  });

  it('reports "nullable" without a "type" in the document, and the null it then refuses', () => {
    const report = check(doc({ ref: { allOf: [{ $ref: '#/components/schemas/Error' }], nullable: true } }), answer('/api/thing.json', 200, { name: 'a', ref: null }));
    const lines = report.mismatches.map((m) => `${m.endpoint} ${m.pointer}`);
    expect(lines).toContain('document #/components/schemas/Thing/properties/ref/nullable');
    expect(lines).toContain('POST /api/thing.json 200 /ref');
  });

  it('folds array indices and counts the answers showing the same mismatch', () => {
    const d = doc({ list: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } } });
    const report = check(d, answer('/api/thing.json', 200, { name: 'a', list: [{ id: 'a', x: 1 }, { id: 'b', x: 2 }] }), answer('/api/thing.json', 200, { name: 'b', list: [{ x: 3 }] }));
    expect(report.mismatches).toHaveLength(1);
    expect(report.mismatches[0]).toMatchObject({ pointer: '/list/* (e.g. /list/0)', count: 3 });
  });
});

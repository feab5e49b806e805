import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtemisNode } from '../../src/app.js';
import { instanceKey } from '../../src/core/wire/instance.js';
import { request } from '../helpers/http.js';
import { inProcessNode, instance } from '../helpers/node.js';
import { SUCCESS_TEXT, KNOWN_CODES } from '../helpers/bad-input.js';

/** Random bodies against the registry of an in-process node: never a crash, never a broken registry. */

describe('property: random bodies never break the registry (in-process)', () => {
  const OPS = ['register', 'heartbeat', 'unregister'] as const;
  let node: ArtemisNode;
  const keeper = instance({ instanceId: 'keeper-5f0c1d', serviceId: 'svc.keeper.property' });
  const keeperKey = instanceKey(keeper);

  beforeAll(async () => {
    node = inProcessNode();
    const res = await request(node, '/api/registry/register.json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [keeper] }),
    });
    expect(await res.text()).toBe(SUCCESS_TEXT);
  });

  /** Any JSON text of a value fast-check generates (undefined becomes an empty body). */
  const serialise = (v: unknown): string => {
    try {
      return JSON.stringify(v) ?? '';
    } catch {
      return String(v);
    }
  };

  const randomCaseKey = (key: string) =>
    fc.array(fc.boolean(), { minLength: key.length, maxLength: key.length }).map((flags) =>
      [...key].map((ch, i) => (flags[i] === true ? ch.toUpperCase() : ch.toLowerCase())).join(''),
    );

  const fieldValue = fc.oneof(
    fc.string(),
    fc.constantFrom('SHA', 'sha', 'sha-z1', 'demo.order', 'http://x', '  ', ''),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.anything(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
    fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
  );

  const FIELDS = ['groupId', 'healthCheckUrl', 'instanceId', 'ip', 'machineName', 'metadata', 'port', 'protocol', 'regionId', 'serviceId', 'status', 'url', 'zoneId'];

  const instanceLike = fc
    .array(fc.tuple(fc.constantFrom(...FIELDS, 'unknown', '__proto__').chain(randomCaseKey), fieldValue), { maxLength: 14 })
    .map((entries) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    });

  /** A valid instance with random ids, random key spelling, and a few fields replaced by random values. */
  const validish = fc
    .record({
      id: fc.string({ minLength: 1, maxLength: 24 }).filter((id) => id.trim() !== '' && id !== 'keeper-5f0c1d'),
      keyCase: fc.array(fc.constantFrom(...FIELDS).chain((f) => fc.tuple(fc.constant(f), randomCaseKey(f))), { maxLength: 4 }),
      mutations: fc.array(fc.tuple(fc.constantFrom(...FIELDS), fieldValue), { maxLength: 2 }),
    })
    .map(({ id, keyCase, mutations }) => {
      const o: Record<string, unknown> = instance({ instanceId: id });
      for (const [f, v] of mutations) o[f] = v;
      for (const [f, spelled] of keyCase) {
        const v = o[f];
        delete o[f];
        o[spelled] = v;
      }
      return o;
    });

  const body = fc.oneof(
    fc.json().map((text) => ({ bytes: text, gzip: false })),
    fc.anything().map((v) => ({ bytes: serialise(v), gzip: false })),
    fc.uint8Array({ maxLength: 256 }).map((b) => ({ bytes: b, gzip: false })),
    fc
      .record({
        instances: fc.oneof(fc.array(fc.oneof(instanceLike, fc.anything()), { maxLength: 6 }), fc.anything()),
        other: fc.anything(),
      })
      .chain((rec) => fc.tuple(randomCaseKey('instances'), fc.boolean()).map(([key, gzip]) => ({ bytes: serialise({ [key]: rec.instances, other: rec.other }), gzip }))),
    fc.array(instanceLike, { minLength: 1, maxLength: 4 }).map((instances) => ({ bytes: serialise({ instances }), gzip: true })),
    fc
      .tuple(fc.array(fc.oneof(validish, validish, fc.constant(null)), { minLength: 1, maxLength: 5 }), fc.boolean())
      .map(([instances, gzip]) => ({ bytes: serialise({ instances }), gzip })),
  );

  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/json;charset=UTF-8', 'application/json, application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/octet-stream') },
  );

  it('every answer is 200/400/413/415 with a ResponseStatus of a known code; never 500; the keeper stays', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPS), body, contentType, async (op, b, ct) => {
        const headers: Record<string, string> = { 'content-type': ct };
        let payload: string | Uint8Array = b.bytes;
        if (b.gzip) {
          payload = new Uint8Array(gzipSync(typeof payload === 'string' ? Buffer.from(payload) : payload));
          headers['content-encoding'] = 'gzip';
        }
        const res = await request(node, `/api/registry/${op}.json`, { method: 'POST', headers, body: payload });
        const text = await res.text();
        expect([200, 400, 413, 415], text.slice(0, 500)).toContain(res.status);
        const parsed = JSON.parse(text);
        const label = `${res.status} ${parsed?.responseStatus?.status}`;
        seen.set(label, (seen.get(label) ?? 0) + 1);
        expect(typeof parsed).toBe('object');
        expect(parsed.responseStatus).toBeTypeOf('object');
        expect(KNOWN_CODES).toContain(parsed.responseStatus.errorCode);
        expect(['success', 'fail', 'partial_fail']).toContain(parsed.responseStatus.status);
        if (res.status === 200) {
          expect(Object.keys(parsed)).toEqual(['failedInstances', 'responseStatus']);
          if (parsed.responseStatus.status === 'partial_fail') {
            expect(parsed.failedInstances.length).toBeGreaterThan(0);
            for (const f of parsed.failedInstances) {
              expect(KNOWN_CODES).toContain(f.errorCode);
              expect(Object.keys(f)).toEqual(['errorCode', 'errorMessage', 'instance']);
            }
          } else {
            expect(parsed.failedInstances).toBeNull();
          }
          expect(parsed.responseStatus.errorCode).not.toBe('internal-service-error');
        } else {
          expect(Object.keys(parsed)).toEqual(['responseStatus']);
          expect(parsed.responseStatus.errorCode).toBe('bad-request');
        }
        const lease = node.repository.normal.get(keeperKey);
        expect(lease?.evictionTime).toBe(0);
      }),
      { numRuns: 200 },
    );
    // The generators reach every kind of answer (a guard against a property that tests nothing).
    expect([...seen.keys()].sort()).toEqual(expect.arrayContaining(['200 fail', '200 partial_fail', '200 success', '400 fail', '415 fail']));
    const hb = await request(node, '/api/registry/heartbeat.json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [keeper] }),
    });
    expect(await hb.text()).toBe(SUCCESS_TEXT);
    expect(node.repository.normal.get(keeperKey)?.instance).toEqual(keeper);
  });
});

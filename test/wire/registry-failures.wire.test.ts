import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createNode } from '../../src/app.js';
import { instance, testConfig } from '../helpers/node.js';
import { SUCCESS_TEXT, RATE_LIMITED_TEXT, PARTIAL_FAIL_STATUS, instanceText, post, call, node, isRegistered } from './registry-wire.js';

/**
 * Wire texts of spec 3.2 through the in-process Hono app: per-instance and request-level
 * failures, paths and encodings.
 */

describe('registry wire: per-instance failures', () => {
  it('region mismatch is no-permission with the reference message', async () => {
    const n = node();
    const i = instance({ regionId: 'SHB' });
    const res = await call(n, 'register', { instances: [i] });
    expect(res.text).toBe(
      `{"failedInstances":[{"errorCode":"no-permission","errorMessage":"shb/sha-z1/demo.order/10.1.2.3:8080: ` +
        `regionId is not the same as the registry node. regionId: SHB, registry node.regionId: SHA",` +
        `"instance":${instanceText('10.1.2.3:8080', '10.1.2.3', { regionId: 'SHB' })}}],${PARTIAL_FAIL_STATUS}}`,
    );
    expect(n.repository.instanceCount).toBe(0);
  });

  it('a missing region is no-permission, naming null', async () => {
    const n = node();
    const res = JSON.parse((await call(n, 'register', { instances: [instance({ regionId: null })] })).text);
    expect(res.failedInstances[0].errorCode).toBe('no-permission');
    expect(res.failedInstances[0].errorMessage).toBe(
      'null/sha-z1/demo.order/10.1.2.3:8080: regionId is not the same as the registry node. regionId: null, registry node.regionId: SHA',
    );
  });

  it('region comparison ignores case', async () => {
    const n = node();
    expect((await call(n, 'register', { instances: [instance({ regionId: 'sha' })] })).text).toBe(SUCCESS_TEXT);
  });

  it('zone mismatch is no-permission when registry.allowFromOtherZone=false', async () => {
    const n = node({ 'registry.allowFromOtherZone': false });
    const i = instance({ zoneId: 'sha-z2' });
    const res = await call(n, 'register', { instances: [i] });
    expect(res.text).toBe(
      `{"failedInstances":[{"errorCode":"no-permission","errorMessage":"sha/sha-z2/demo.order/10.1.2.3:8080: ` +
        `zoneId is not the same as the registry node. zoneId: sha-z2, registry node.zoneId: sha-z1",` +
        `"instance":${instanceText('10.1.2.3:8080', '10.1.2.3', { zoneId: 'sha-z2' })}}],${PARTIAL_FAIL_STATUS}}`,
    );
    // Same zone in other letter case passes.
    expect((await call(n, 'register', { instances: [instance({ zoneId: 'SHA-Z1' })] })).text).toBe(SUCCESS_TEXT);
  });

  it('another zone is accepted when registry.allowFromOtherZone=true (default)', async () => {
    const n = node();
    expect((await call(n, 'register', { instances: [instance({ zoneId: 'sha-z2' })] })).text).toBe(SUCCESS_TEXT);
  });

  it.each([
    ['serviceId', { serviceId: '  ' }, 'sha/sha-z1/  /10.1.2.3:8080'],
    ['serviceId', { serviceId: null }, 'sha/sha-z1/null/10.1.2.3:8080'],
    ['instanceId', { instanceId: '' }, 'sha/sha-z1/demo.order/'],
    ['instanceId', { instanceId: null }, 'sha/sha-z1/demo.order/null'],
    ['url', { url: ' \t' }, 'sha/sha-z1/demo.order/10.1.2.3:8080'],
    ['url', { url: null }, 'sha/sha-z1/demo.order/10.1.2.3:8080'],
  ] as const)('blank %s (%j) is internal-service-error with the reference reason', async (field, over, display) => {
    const n = node();
    const res = JSON.parse((await call(n, 'register', { instances: [instance(over)] })).text);
    expect(res.responseStatus).toEqual({ errorCode: 'partial_fail', message: '', status: 'partial_fail' });
    expect(res.failedInstances).toHaveLength(1);
    expect(res.failedInstances[0].errorCode).toBe('internal-service-error');
    expect(res.failedInstances[0].errorMessage).toBe(`${display}: Exception: argument instance.${field} is null or whitespace`);
    expect(n.repository.instanceCount).toBe(0);
  });

  it('blank url answers the exact text', async () => {
    const n = node();
    const res = await call(n, 'register', { instances: [instance({ url: '   ' })] });
    expect(res.text).toBe(
      `{"failedInstances":[{"errorCode":"internal-service-error","errorMessage":"sha/sha-z1/demo.order/10.1.2.3:8080: ` +
        `Exception: argument instance.url is null or whitespace","instance":${instanceText('10.1.2.3:8080', '10.1.2.3', { url: '   ' })}}],` +
        `${PARTIAL_FAIL_STATUS}}`,
    );
  });

  it('every instance failing is still partial_fail with message "" and lists them in array order', async () => {
    const n = node({ 'registry.allowFromOtherZone': false });
    const res = JSON.parse(
      (
        await call(n, 'unregister', {
          instances: [instance({ regionId: 'X' }), null, instance({ zoneId: 'z9' }), instance({ url: '' })],
        })
      ).text,
    );
    expect(res.responseStatus).toEqual({ errorCode: 'partial_fail', message: '', status: 'partial_fail' });
    expect(res.failedInstances.map((f: { errorCode: string }) => f.errorCode)).toEqual([
      'no-permission',
      'no-permission',
      'internal-service-error',
    ]);
  });

  it('a valid instance next to failing ones is applied', async () => {
    const n = node();
    const good = instance({ instanceId: 'good' });
    const res = JSON.parse((await call(n, 'register', { instances: [instance({ regionId: 'X' }), good] })).text);
    expect(res.responseStatus.status).toBe('partial_fail');
    expect(res.failedInstances).toHaveLength(1);
    expect(isRegistered(n, good)).toBe(true);
  });
});

describe('registry wire: request-level failures', () => {
  it.each([
    ['{}', 'request.instances is null or empty.'],
    ['{"instances":null}', 'request.instances is null or empty.'],
    ['{"instances":[]}', 'request.instances is null or empty.'],
    ['{"Instances":[]}', 'request.instances is null or empty.'],
    ['null', 'request is null'],
    ['', 'request is null'],
  ])('%s answers bad-request "%s" with HTTP 200', async (body, message) => {
    const n = node();
    for (const op of ['register', 'heartbeat', 'unregister'] as const) {
      const res = await call(n, op, body);
      expect(res.status).toBe(200);
      expect(res.text).toBe(`{"failedInstances":null,"responseStatus":{"errorCode":"bad-request","message":"${message}","status":"fail"}}`);
    }
  });

  it('a request with only null instances is a success that does nothing', async () => {
    const n = node();
    expect((await call(n, 'register', { instances: [null] })).text).toBe(SUCCESS_TEXT);
    expect(n.repository.instanceCount).toBe(0);
  });

  it('rate limited: answers the exact rate-limited text once the per-operation limit is used up', async () => {
    const n = node({ 'rateLimit.registry.limits': { register: 2 } });
    expect((await call(n, 'register', { instances: [instance({ instanceId: 'a' })] })).text).toBe(SUCCESS_TEXT);
    expect((await call(n, 'register', { instances: [instance({ instanceId: 'b' })] })).text).toBe(SUCCESS_TEXT);
    const limited = await call(n, 'register', { instances: [instance({ instanceId: 'c' })] });
    expect(limited.status).toBe(200);
    expect(limited.text).toBe(RATE_LIMITED_TEXT);
    expect(isRegistered(n, instance({ instanceId: 'c' }))).toBe(false);
    // other identities of the same limiter have their own budget
    expect((await call(n, 'heartbeat', { instances: [instance({ instanceId: 'a' })] })).text).toBe(SUCCESS_TEXT);
  });

  it('rate limit is checked before the request check, so an empty request consumes quota', async () => {
    const n = node({ 'rateLimit.registry.limits': { unregister: 1 } });
    const first = await call(n, 'unregister', {});
    expect(JSON.parse(first.text).responseStatus.errorCode).toBe('bad-request');
    expect((await call(n, 'unregister', { instances: [instance()] })).text).toBe(RATE_LIMITED_TEXT);
  });

  it('a node that was never marked up answers service-unavailable', async () => {
    const n = createNode(testConfig());
    const res = await call(n, 'register', { instances: [instance()] });
    expect(res.status).toBe(200);
    const parsed = JSON.parse(res.text);
    expect(parsed.failedInstances).toBeNull();
    expect(parsed.responseStatus.errorCode).toBe('service-unavailable');
    expect(parsed.responseStatus.status).toBe('fail');
    expect(parsed.responseStatus.message).toMatch(/^Serivce registry is not in up state\. /);
    expect(res.text).toBe(
      '{"failedInstances":null,"responseStatus":{"errorCode":"service-unavailable","message":"Serivce registry is not in up state. ' +
        'Current status: { node: http://127.0.0.1, status: starting, canServiceRegistry: null, canServiceDiscovery: null }","status":"fail"}}',
    );
    expect(n.repository.instanceCount).toBe(0);
  });

  it('a node marked down answers service-unavailable for every operation', async () => {
    const n = node();
    await call(n, 'register', { instances: [instance()] });
    n.state.markDown();
    for (const op of ['register', 'heartbeat', 'unregister'] as const) {
      const parsed = JSON.parse((await call(n, op, { instances: [instance()] })).text);
      expect(parsed).toEqual({
        failedInstances: null,
        responseStatus: {
          errorCode: 'service-unavailable',
          message:
            'Serivce registry is not in up state. Current status: { node: http://127.0.0.1, status: down, canServiceRegistry: false, canServiceDiscovery: false }',
          status: 'fail',
        },
      });
    }
    // the unregister above was refused, so the lease is untouched
    expect(isRegistered(n, instance())).toBe(true);
  });

  it('the request check comes before the node gate', async () => {
    const n = createNode(testConfig());
    const parsed = JSON.parse((await call(n, 'register', { instances: [] })).text);
    expect(parsed.responseStatus.errorCode).toBe('bad-request');
  });
});

describe('registry wire: paths and encodings', () => {
  it('context path and no-.json variants answer the same', async () => {
    const n = node({ contextPath: '/artemis-web' });
    const paths = [
      '/api/registry/register.json',
      '/api/registry/register',
      '/artemis-web/api/registry/register.json',
      '/artemis-web/api/registry/register',
    ];
    for (const [idx, p] of paths.entries()) {
      const res = await post(n, p, JSON.stringify({ instances: [instance({ instanceId: `i-${idx}` })] }));
      expect(res.status, p).toBe(200);
      expect(res.text, p).toBe(SUCCESS_TEXT);
    }
    expect(n.repository.instanceCount).toBe(paths.length);
    for (const op of ['heartbeat', 'unregister'] as const) {
      for (const p of [`/api/registry/${op}`, `/artemis-web/api/registry/${op}.json`, `/artemis-web/api/registry/${op}`]) {
        const res = await post(n, p, JSON.stringify({ instances: [instance({ instanceId: 'i-0' })] }));
        expect(res.text, p).toBe(SUCCESS_TEXT);
      }
    }
    // a context path given without its leading slash is normalised
    const n2 = node({ contextPath: 'artemis-web/' });
    expect((await post(n2, '/artemis-web/api/registry/register.json', JSON.stringify({ instances: [instance()] }))).text).toBe(SUCCESS_TEXT);
  });

  it('without a context path, a prefixed path is unknown', async () => {
    const n = node();
    const res = await post(n, '/artemis-web/api/registry/register.json', JSON.stringify({ instances: [instance()] }));
    expect(res.status).toBe(404);
  });

  it('Content-Encoding: gzip bodies are inflated (also x-gzip, and gzip + the header twice)', async () => {
    const n = node();
    const body = gzipSync(JSON.stringify({ instances: [instance({ instanceId: 'gz' })] }));
    const res = await post(n, '/api/registry/register.json', body, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.text).toBe(SUCCESS_TEXT);
    expect(isRegistered(n, instance({ instanceId: 'gz' }))).toBe(true);

    const res2 = await post(n, '/api/registry/heartbeat.json', gzipSync(JSON.stringify({ instances: [instance({ instanceId: 'gz' })] })), {
      'content-encoding': 'x-gzip',
    });
    expect(res2.text).toBe(SUCCESS_TEXT);

    const res3 = await post(n, '/api/registry/unregister.json', gzipSync(JSON.stringify({ instances: [instance({ instanceId: 'gz' })] })), {
      'content-encoding': 'gzip',
      'content-type': 'application/json, application/json',
    });
    expect(res3.text).toBe(SUCCESS_TEXT);
    expect(isRegistered(n, instance({ instanceId: 'gz' }))).toBe(false);
  });

  it('a gzip body answers the same partial_fail text as a plain one', async () => {
    const n = node();
    const body = JSON.stringify({ instances: [instance()] });
    const plain = await post(n, '/api/registry/heartbeat.json', body);
    const zipped = await post(n, '/api/registry/heartbeat.json', gzipSync(body), { 'content-encoding': 'gzip' });
    expect(zipped.text).toBe(plain.text);
    expect(plain.text).toContain('data-not-found');
  });

  it('content types with charset and +json are accepted', async () => {
    const n = node();
    for (const ct of ['application/json;charset=UTF-8', 'application/json; charset=utf-8', 'application/vnd.artemis+json', 'APPLICATION/JSON']) {
      const res = await post(n, '/api/registry/register.json', JSON.stringify({ instances: [instance()] }), { 'content-type': ct });
      expect(res.text, ct).toBe(SUCCESS_TEXT);
    }
  });
});

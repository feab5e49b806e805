import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceKey } from '../../src/core/wire/instance.js';
import { getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { SUCCESS_TEXT, MAX_BODY, survivors, postRaw, expectErrorBody, postChunked } from '../helpers/bad-input.js';

/** Hostile and malformed input over real HTTP; afterwards the node still serves and keeps its data. */

describe('bad input over HTTP', () => {
  let n: RunningNode;
  let url: (op: string) => string;

  beforeAll(async () => {
    n = await startTestNode({ 'rateLimit.status.defaultLimit': 1_000_000, 'rateLimit.status.limits': { 'get-leases': 1_000_000 } });
    url = (op) => `${n.url}/api/registry/${op}.json`;
    const res = await postJson(url('register'), { instances: survivors });
    expect(res.text).toBe(SUCCESS_TEXT);
  });

  afterAll(async () => {
    await n?.stop();
  });

  it('non-JSON body → 400 with a ResponseStatus bad-request body', async () => {
    for (const body of ['{not json', '{"instances": [', 'instances=1', '\u0000\u0001']) {
      const res = await postJson(url('register'), body);
      expectErrorBody(res, 400, /^Request body is not valid JSON: /);
    }
  });

  it('wrong content type → 415; unknown Content-Encoding → 415', async () => {
    const body = JSON.stringify({ instances: [instance()] });
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/json, text/plain']) {
      const res = await postRaw(url('register'), body, { 'content-type': ct });
      expectErrorBody(res, 415, `Content-Type must be application/json, got: ${ct}`);
    }
    const br = await postRaw(url('register'), body, { 'content-type': 'application/json', 'content-encoding': 'br' });
    expectErrorBody(br, 415, /Content-Encoding br/);
  });

  it('truncated gzip → 400', async () => {
    const full = gzipSync(JSON.stringify({ instances: [instance({ instanceId: 'trunc' })] }));
    const res = await postRaw(url('register'), full.subarray(0, Math.floor(full.length / 2)), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expectErrorBody(res, 400, /^Request body is not valid gzip: /);
    const notGzip = await postRaw(url('register'), JSON.stringify({ instances: [] }), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expectErrorBody(notGzip, 400, /^Request body is not valid gzip: /);
  });

  it('gzip bomb inflating beyond limits.maxBodyBytes → 413', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"instances":[], "pad":"'), Buffer.alloc(50 * 1024 * 1024, 0x61), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(MAX_BODY);
    const res = await postRaw(url('register'), bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expectErrorBody(res, 413, `Request body exceeds the limit of ${MAX_BODY} bytes (limits.maxBodyBytes).`);
  });

  it.each([
    ['instances as an object', { instances: { a: instance() } }, 'request.instances: expected an array, got object.'],
    ['instances as a string', { instances: 'x' }, 'request.instances: expected an array, got string.'],
    ['an instance as a number', { instances: [1] }, 'request.instances[0]: expected an object, got number.'],
    ['port as an object', { instances: [instance({ port: { n: 1 } })] }, 'request.instances[0].port: expected an integer, got object.'],
    ['port as a non-numeric string', { instances: [instance({ port: 'eighty' })] }, 'request.instances[0].port: expected an integer, got string.'],
    ['port out of range', { instances: [instance({ port: 1e300 })] }, 'request.instances[0].port: integer out of range.'],
    ['metadata as an array', { instances: [instance({ metadata: ['a'] })] }, 'request.instances[0].metadata: expected an object, got array.'],
    ['metadata value as an object', { instances: [instance({ metadata: { k: { v: 1 } } })] }, 'request.instances[0].metadata.k: expected a string, got object.'],
    ['serviceId as an array', { instances: [instance(), instance({ serviceId: ['a'] })] }, 'request.instances[1].serviceId: expected a string, got array.'],
    ['the request as an array', [instance()], 'request: expected an object, got array.'],
    ['the request as a string', 'just a string', 'request: expected an object, got string.'],
  ])('JSON of the wrong shape (%s) → 400 naming the field', async (_label, body, message) => {
    for (const op of ['register', 'heartbeat', 'unregister']) {
      const res = await postJson(url(op), JSON.stringify(body));
      expectErrorBody(res, 400, message);
    }
  });

  it('port must fit a Java int (the reference field is `int port`; the OpenAPI document says int32)', async () => {
    // In range, including both ends: accepted.
    for (const port of [2_147_483_647, -2_147_483_648]) {
      const ok = await postJson(url('register'), { instances: [instance({ instanceId: `port:${port}`, serviceId: 'svc.port', port })] });
      expect(ok.text, String(port)).toBe(SUCCESS_TEXT);
    }
    // Out of range: Jackson refuses the body (HTTP 400); storing it would hand Java discovery clients a port they cannot read.
    for (const port of [2_147_483_648, -2_147_483_649, 4_294_967_296, '2147483648']) {
      const res = await postJson(url('register'), { instances: [instance({ instanceId: `port:big:${port}`, serviceId: 'svc.port', port })] });
      expectErrorBody(res, 400, /^request\.instances\[0\]\.port: /);
    }
    expect(n.node.repository.service('svc.port')?.leases.size).toBe(2);
  });

  it('a 10 MB body → 413 (declared Content-Length, and streamed without one)', async () => {
    const big = Buffer.concat([Buffer.from('{"instances":[],"pad":"'), Buffer.alloc(10 * 1024 * 1024, 0x62), Buffer.from('"}')]);
    const res = await postRaw(url('register'), big, { 'content-type': 'application/json' });
    expectErrorBody(res, 413, `Request body exceeds the limit of ${MAX_BODY} bytes (limits.maxBodyBytes).`);

    const streamed = await postChunked(url('register'), 10 * 1024 * 1024, { 'content-type': 'application/json' });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.text).responseStatus.message).toContain('limits.maxBodyBytes');
  });

  it('100k instances in one request → bad-request naming limits.maxInstancesPerRequest, HTTP 200, nothing applied', async () => {
    // Small enough for the default body limit: the batch size alone must be refused.
    const tiny = JSON.stringify({ instances: Array.from({ length: 100_000 }, (_, i) => ({ instanceId: `b${i}` })) });
    expect(tiny.length).toBeLessThan(MAX_BODY);
    const expected =
      '{"failedInstances":null,"responseStatus":{"errorCode":"bad-request","message":"request.instances has 100000 entries; ' +
      'the limit is 10000 (limits.maxInstancesPerRequest).","status":"fail"}}';
    const res = await postJson(url('register'), tiny);
    expect(res.status).toBe(200);
    expect(res.text).toBe(expected);

    // Fully valid instances (a larger body limit on a node of its own): none of them is applied.
    // (the per-client registration rate is off here: 10,000 instances arrive in one request)
    const big = await startTestNode({ 'limits.maxBodyBytes': 64 * 1024 * 1024, 'limits.maxRegistrationsPerClientPerSecond': 0 });
    try {
      const instances = Array.from({ length: 100_000 }, (_, i) => instance({ instanceId: `bulk:${i}`, serviceId: 'svc.bulk' }));
      const full = await postJson(`${big.url}/api/registry/register.json`, { instances }, { gzip: true });
      expect(full.status).toBe(200);
      expect(full.text).toBe(expected);
      expect(big.node.repository.instanceCount).toBe(0);
      // exactly at the limit is accepted
      const atLimit = await postJson(`${big.url}/api/registry/register.json`, { instances: instances.slice(0, 10_000) }, { gzip: true });
      expect(atLimit.text).toBe(SUCCESS_TEXT);
      expect(big.node.repository.instanceCount).toBe(10_000);
    } finally {
      await big.stop();
    }
  });

  it('1 MB strings inside an otherwise valid instance → per-instance bad-request; the valid sibling is registered', async () => {
    const mb = 'x'.repeat(1024 * 1024);
    const sibling = instance({ instanceId: 'sibling:1', serviceId: 'svc.big' });
    const bigMachine = instance({ instanceId: 'big:1', serviceId: 'svc.big', machineName: mb });
    const bigUrl = instance({ instanceId: 'big:2', serviceId: 'svc.big', url: `http://${mb}` });
    const bigMeta = instance({ instanceId: 'big:3', serviceId: 'svc.big', metadata: { k: mb } });
    const res = await postJson(url('register'), { instances: [bigMachine, sibling, bigUrl, bigMeta] }, { gzip: true });
    expect(res.status).toBe(200);
    expect(res.body.responseStatus).toEqual({ errorCode: 'partial_fail', message: '', status: 'partial_fail' });
    const failures = res.body.failedInstances.map((f: { errorCode: string; errorMessage: string }) => [f.errorCode, f.errorMessage]);
    expect(failures).toEqual([
      ['bad-request', 'sha/sha-z1/svc.big/big:1: instance.machineName is 1048576 characters long; the limit is 2048 (limits.maxFieldLength)'],
      ['bad-request', 'sha/sha-z1/svc.big/big:2: instance.url is 1048583 characters long; the limit is 2048 (limits.maxFieldLength)'],
      ['bad-request', 'sha/sha-z1/svc.big/big:3: instance.metadata holds 1048577 characters; the limit is 16384 (limits.maxMetadataBytes)'],
    ]);
    const entry = n.node.repository.service('svc.big');
    expect([...(entry?.leases.keys() ?? [])]).toEqual([instanceKey(sibling)]);
    const hb = await postJson(url('heartbeat'), { instances: [sibling] });
    expect(hb.text).toBe(SUCCESS_TEXT);
  });

  it('a 1 MB instanceId is refused per instance too', async () => {
    const res = await postJson(url('register'), { instances: [instance({ instanceId: 'i'.repeat(1024 * 1024), serviceId: 'svc.bigid' })] });
    expect(res.status).toBe(200);
    expect(res.body.failedInstances[0].errorCode).toBe('bad-request');
    expect(res.body.failedInstances[0].errorMessage).toMatch(/instance\.instanceId is 1048576 characters long; the limit is 2048 \(limits\.maxFieldLength\)$/);
    expect(n.node.repository.service('svc.bigid')).toBeUndefined();
  });

  it('unicode ids and their letter-case variants are the same instance', async () => {
    const pairs: Array<[Record<string, string>, Record<string, string>]> = [
      [
        { serviceId: 'Démo.Ordér', instanceId: 'ÄBC:80' },
        { serviceId: 'DÉMO.ORDÉR', instanceId: 'äbc:80' },
      ],
      [
        { serviceId: 'Σervice.Ωmega', instanceId: 'ŁÓDŹ-1' },
        { serviceId: 'σervice.ωmega', instanceId: 'łódź-1' },
      ],
      [
        { serviceId: '服务.订单', instanceId: '主机-😀' },
        { serviceId: '服务.订单', instanceId: '主机-😀' },
      ],
    ];
    for (const [registered, variant] of pairs) {
      const reg = await postJson(url('register'), { instances: [instance(registered)] }, { gzip: true });
      expect(reg.text).toBe(SUCCESS_TEXT);
      const hb = await postJson(url('heartbeat'), { instances: [instance({ ...variant, regionId: 'sha' })] });
      expect(hb.text, JSON.stringify(variant)).toBe(SUCCESS_TEXT);
    }
    const leases = await getJson(`${n.url}/api/status/leases.json`);
    expect(leases.body.leases['Démo.Ordér'].map((l: { instance: string }) => l.instance)).toEqual(['sha/sha-z1/démo.ordér/äbc:80']);
    // unknown unicode instance is echoed intact
    const unknown = instance({ serviceId: 'Démo.Ordér', instanceId: 'ÖÖÖ' });
    const res = await postJson(url('heartbeat'), { instances: [unknown] });
    expect(res.body.failedInstances[0].instance).toEqual(unknown);
    expect(res.body.failedInstances[0].errorMessage).toBe('sha/sha-z1/démo.ordér/ööö: Instance is not exising! Need re-register.');
  });

  it('__proto__ and other prototype keys are plain data and pollute nothing', async () => {
    const body =
      '{"__proto__":{"instances":[]},"instances":[{"__proto__":{"serviceId":"evil"},"constructor":{"prototype":{"polluted":"yes"}},' +
      '"serviceId":"svc.proto","instanceId":"proto:1","regionId":"SHA","zoneId":"sha-z1","url":"http://p",' +
      '"metadata":{"__proto__":"x","constructor":"y","toString":"z","hasOwnProperty":"w"}}]}';
    const res = await postJson(url('register'), body);
    expect(res.text).toBe(SUCCESS_TEXT);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const lease = n.node.repository.normal.get(instanceKey({ regionId: 'SHA', serviceId: 'svc.proto', instanceId: 'proto:1' }));
    expect(lease?.instance.serviceId).toBe('svc.proto');
    const meta = lease?.instance.metadata as Record<string, string>;
    expect(Object.keys(meta)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(meta['__proto__']).toBe('x');

    // echoed back as data
    const hb = await postJson(url('heartbeat'), {
      instances: [JSON.parse('{"serviceId":"svc.proto","instanceId":"proto:2","regionId":"SHA","url":"u","metadata":{"__proto__":"x"}}')],
    });
    expect(hb.text).toContain('"metadata":{"__proto__":"x"}');

    // a __proto__ value of the wrong type is a shape error, not a prototype change
    const bad = await postJson(url('register'), '{"instances":[{"serviceId":"s","instanceId":"i","regionId":"SHA","url":"u","metadata":{"__proto__":{"polluted":"yes"}}}]}');
    expectErrorBody(bad, 400, 'request.instances[0].metadata.__proto__: expected a string, got object.');
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('deeply nested JSON is answered without crashing', async () => {
    const depth = 100_000;
    const nested = '['.repeat(depth) + ']'.repeat(depth);
    // in an ignored field: the instance itself is read
    const ignored = await postJson(
      url('register'),
      `{"instances":[{"serviceId":"svc.deep","instanceId":"deep:1","regionId":"SHA","url":"u","junk":${nested}}]}`,
    );
    expect(ignored.text).toBe(SUCCESS_TEXT);
    // in a read field: a shape error
    const inMeta = await postJson(url('register'), `{"instances":[{"serviceId":"s","instanceId":"i","regionId":"SHA","url":"u","metadata":{"k":${nested}}}]}`);
    expectErrorBody(inMeta, 400, 'request.instances[0].metadata.k: expected a string, got array.');
    // as the whole body
    const whole = await postJson(url('heartbeat'), nested);
    expectErrorBody(whole, 400, 'request: expected an object, got array.');
    const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const deepObj = await postJson(url('unregister'), `{"instances":[${objects}]}`);
    expect(deepObj.status).toBe(200);
    expect(deepObj.body.responseStatus.errorCode).toBe('partial_fail');
  });

  it('after all of this the server still answers /health and the earlier instances are untouched', async () => {
    const health = await getJson(`${n.url}/health`);
    expect(health.status).toBe(200);
    expect(health.text).toBe('{"status":"ok"}');
    const hb = await postJson(url('heartbeat'), { instances: survivors });
    expect(hb.text).toBe(SUCCESS_TEXT);
    for (const s of survivors) {
      const lease = n.node.repository.normal.get(instanceKey(s));
      expect(lease?.instance).toEqual(s);
      expect(lease?.evictionTime).toBe(0);
    }
    const leases = await getJson(`${n.url}/api/status/leases.json?appIds=svc.survivor`);
    expect(leases.body.leaseCount).toBe(2);
  });
});

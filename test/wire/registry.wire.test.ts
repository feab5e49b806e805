import { describe, expect, it } from 'vitest';
import { instanceKey } from '../../src/core/wire/instance.js';
import { instance } from '../helpers/node.js';
import { SUCCESS_TEXT, PARTIAL_FAIL_STATUS, instanceText, call, node, isRegistered, assertSortedKeys } from './registry-wire.js';

/**
 * Wire texts of spec 3.2 (register / heartbeat / unregister), pinned byte for byte, in both
 * directions, through the in-process Hono app: successes and how requests map to instances.
 */
describe('registry wire: success', () => {
  it.each(['register', 'heartbeat', 'unregister'] as const)('%s of a valid instance answers the exact success text', async (op) => {
    const n = node();
    if (op !== 'register') expect((await call(n, 'register', { instances: [instance()] })).text).toBe(SUCCESS_TEXT);
    const res = await call(n, op, { instances: [instance()] });
    expect(res.status).toBe(200);
    expect(res.text).toBe(SUCCESS_TEXT);
    expect(res.contentType).toBe('application/json;charset=UTF-8');
  });

  it('register stores the instance; unregister evicts it', async () => {
    const n = node();
    const i = instance();
    await call(n, 'register', { instances: [i] });
    expect(isRegistered(n, i)).toBe(true);
    await call(n, 'unregister', { instances: [i] });
    expect(isRegistered(n, i)).toBe(false);
  });

  it('null entries in instances are skipped silently', async () => {
    const n = node();
    const res = await call(n, 'register', { instances: [null, instance(), null] });
    expect(res.text).toBe(SUCCESS_TEXT);
    expect(n.repository.instanceCount).toBe(1);
  });
});

describe('registry wire: heartbeat partial_fail example of spec 3.2', () => {
  const SPEC_EXAMPLE =
    '{"failedInstances":[{"errorCode":"data-not-found","errorMessage":"sha/sha-z1/demo.order/10.1.2.4:8080: Instance is not exising! Need re-register.","instance":{"groupId":null,"healthCheckUrl":null,"instanceId":"10.1.2.4:8080","ip":"10.1.2.4","machineName":null,"metadata":null,"port":8080,"protocol":"http","regionId":"SHA","serviceId":"demo.order","status":"up","url":"http://10.1.2.4:8080/order","zoneId":"sha-z1"}}],"responseStatus":{"errorCode":"partial_fail","message":"","status":"partial_fail"}}';

  it('answers the spec text byte for byte when one of two instances is unknown', async () => {
    const n = node();
    const known = instance();
    const unknown = instance({ instanceId: '10.1.2.4:8080', ip: '10.1.2.4', url: 'http://10.1.2.4:8080/order' });
    expect((await call(n, 'register', { instances: [known] })).text).toBe(SUCCESS_TEXT);
    const res = await call(n, 'heartbeat', { instances: [known, unknown] });
    expect(res.status).toBe(200);
    expect(res.text).toBe(SPEC_EXAMPLE);
  });

  it('the same request without the registration fails both, still partial_fail with message ""', async () => {
    const n = node();
    const a = instance();
    const b = instance({ instanceId: '10.1.2.4:8080', ip: '10.1.2.4', url: 'http://10.1.2.4:8080/order' });
    const res = await call(n, 'heartbeat', { instances: [a, b] });
    const reason = 'Instance is not exising! Need re-register.';
    expect(res.text).toBe(
      `{"failedInstances":[` +
        `{"errorCode":"data-not-found","errorMessage":"sha/sha-z1/demo.order/10.1.2.3:8080: ${reason}","instance":${instanceText('10.1.2.3:8080', '10.1.2.3')}},` +
        `{"errorCode":"data-not-found","errorMessage":"sha/sha-z1/demo.order/10.1.2.4:8080: ${reason}","instance":${instanceText('10.1.2.4:8080', '10.1.2.4')}}` +
        `],${PARTIAL_FAIL_STATUS}}`,
    );
  });

  it('heartbeat after unregister reports data-not-found (lease evicted but not yet swept)', async () => {
    const n = node();
    await call(n, 'register', { instances: [instance()] });
    await call(n, 'unregister', { instances: [instance()] });
    const res = JSON.parse((await call(n, 'heartbeat', { instances: [instance()] })).text);
    expect(res.failedInstances).toHaveLength(1);
    expect(res.failedInstances[0].errorCode).toBe('data-not-found');
  });
});

describe('registry wire: input mapping', () => {
  it('matches property names case-insensitively and ignores unknown fields', async () => {
    const n = node();
    const body = {
      Instances: [
        {
          ServiceId: 'demo.order',
          INSTANCEID: '10.1.2.3:8080',
          RegionID: 'SHA',
          zoneid: 'sha-z1',
          URL: 'http://10.1.2.3:8080/order',
          Port: 8080,
          somethingElse: { deeply: ['nested', 1, null] },
          __type: 'com.ctrip.Instance',
        },
      ],
      extraTopLevel: 42,
    };
    expect((await call(n, 'register', body)).text).toBe(SUCCESS_TEXT);
    const lease = n.repository.normal.get(instanceKey({ regionId: 'sha', serviceId: 'demo.order', instanceId: '10.1.2.3:8080' }));
    expect(lease?.instance).toEqual({
      groupId: null,
      healthCheckUrl: null,
      instanceId: '10.1.2.3:8080',
      ip: null,
      machineName: null,
      metadata: null,
      port: 8080,
      protocol: null,
      regionId: 'SHA',
      serviceId: 'demo.order',
      status: null,
      url: 'http://10.1.2.3:8080/order',
      zoneId: 'sha-z1',
    });
  });

  it('echoes a received instance in canonical form: alphabetical keys, every null written, coerced scalars', async () => {
    const n = node();
    const res = await call(n, 'heartbeat', {
      INSTANCES: [
        {
          SERVICEID: 'demo.order',
          instanceid: 'x-1',
          regionId: 'sha',
          ZoneId: 'sha-z1',
          Url: 'http://x',
          port: '8081',
          metadata: { n: 1, b: true, z: null, s: 'v' },
          ignored: 'yes',
        },
      ],
    });
    expect(res.text).toBe(
      '{"failedInstances":[{"errorCode":"data-not-found","errorMessage":"sha/sha-z1/demo.order/x-1: Instance is not exising! Need re-register.",' +
        '"instance":{"groupId":null,"healthCheckUrl":null,"instanceId":"x-1","ip":null,"machineName":null,' +
        '"metadata":{"n":"1","b":"true","z":null,"s":"v"},"port":8081,"protocol":null,"regionId":"sha","serviceId":"demo.order",' +
        `"status":null,"url":"http://x","zoneId":"sha-z1"}}],${PARTIAL_FAIL_STATUS}}`,
    );
    assertSortedKeys(JSON.parse(res.text));
  });

  it('a heartbeat with different letter case of the ids renews the same lease', async () => {
    const n = node();
    await call(n, 'register', { instances: [instance({ serviceId: 'Demo.Order', instanceId: 'Host-A:80' })] });
    const res = await call(n, 'heartbeat', { instances: [instance({ serviceId: 'DEMO.ORDER', instanceId: 'host-a:80', regionId: 'sha' })] });
    expect(res.text).toBe(SUCCESS_TEXT);
  });

  it('a JSON null port is read as 0, and a missing port too', async () => {
    const n = node();
    await call(n, 'register', { instances: [instance({ port: null }), instance({ instanceId: 'other', port: undefined })] });
    expect(n.repository.normal.get(instanceKey({ regionId: 'SHA', serviceId: 'demo.order', instanceId: '10.1.2.3:8080' }))?.instance.port).toBe(0);
    expect(n.repository.normal.get(instanceKey({ regionId: 'SHA', serviceId: 'demo.order', instanceId: 'other' }))?.instance.port).toBe(0);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { BadRequestError } from '../core/errors.js';
import { makeInstance } from '../core/wire/instance.js';
import { SUCCESS_RESPONSE } from './registry-service.js';
import { useFakeTimeFromT0 } from '../../test/helpers/lease-clock.js';
import { body, inst, setup, status } from '../../test/helpers/registry-service.js';

describe('RegistryService', () => {
  useFakeTimeFromT0();

  describe('pipeline order', () => {
    it('rate limit comes first: even a request that fails the request check consumes quota', () => {
      const { service } = setup({ limiter: { limits: { register: 2 } } });
      expect(service.handle('register', null).responseStatus.errorCode).toBe('bad-request');
      expect(service.handle('register', { instances: { not: 'an array' } }).responseStatus.errorCode).toBe('bad-request');
      expect(service.handle('register', body(inst()))).toEqual({
        failedInstances: null,
        responseStatus: { errorCode: 'rate-limited', message: 'Request is rate limited.', status: 'fail' },
      });
    });

    it('each operation is its own limiter identity; the default limit applies to the others', () => {
      const { service } = setup({ limiter: { defaultLimit: 1, limits: { heartbeat: 3 } } });
      expect(service.handle('register', body(inst()))).toBe(SUCCESS_RESPONSE);
      expect(service.handle('register', body(inst())).responseStatus.errorCode).toBe('rate-limited');
      for (let i = 0; i < 3; i++) expect(service.handle('heartbeat', body(inst()))).toBe(SUCCESS_RESPONSE);
      expect(service.handle('heartbeat', body(inst())).responseStatus.errorCode).toBe('rate-limited');
      expect(service.handle('unregister', body(inst()))).toBe(SUCCESS_RESPONSE);
      expect(service.handle('unregister', body(inst())).responseStatus.errorCode).toBe('rate-limited');
    });

    it('quota returns once the window has passed', () => {
      const { service } = setup({ limiter: { limits: { register: 1 } } });
      expect(service.handle('register', body(inst()))).toBe(SUCCESS_RESPONSE);
      vi.advanceTimersByTime(9_999);
      expect(service.handle('register', body(inst())).responseStatus.errorCode).toBe('rate-limited');
      vi.advanceTimersByTime(1);
      expect(service.handle('register', body(inst()))).toBe(SUCCESS_RESPONSE);
    });

    it.each([
      [null, 'request is null'],
      [undefined, 'request is null'],
      [{}, 'request.instances is null or empty.'],
      [{ instances: null }, 'request.instances is null or empty.'],
      [{ instances: [] }, 'request.instances is null or empty.'],
    ])('request check: %j → bad-request "%s"', (b, message) => {
      const { service } = setup();
      expect(service.handle('heartbeat', b, true)).toEqual({
        failedInstances: null,
        responseStatus: { errorCode: 'bad-request', message, status: 'fail' },
      });
    });

    it('the request check comes before the node gate', () => {
      const { service, gate } = setup();
      gate.status = status('down', false);
      expect(service.handle('register', body()).responseStatus.errorCode).toBe('bad-request');
      expect(service.handle('register', body(inst())).responseStatus.errorCode).toBe('service-unavailable');
    });

    it('a body of the wrong shape is thrown for the web layer with rethrowHttpErrors, answered otherwise', () => {
      const { service } = setup();
      let thrown: unknown;
      try {
        service.handle('register', body(inst({ port: 1 }), { port: { no: 1 } }), true);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(BadRequestError);
      expect((thrown as BadRequestError).httpStatus).toBe(400);
      expect((thrown as BadRequestError).message).toBe('request.instances[1].port: expected an integer, got object.');
      // nothing of the batch was applied
      const s2 = setup();
      expect(s2.service.handle('register', body(inst(), { port: { no: 1 } }))).toEqual({
        failedInstances: null,
        responseStatus: { errorCode: 'bad-request', message: 'request.instances[1].port: expected an integer, got object.', status: 'fail' },
      });
      expect(s2.repository.instanceCount).toBe(0);
    });

    it('too many instances: bad-request naming limits.maxInstancesPerRequest (an application error, never thrown)', () => {
      const { service, repository } = setup({ limits: { maxInstancesPerRequest: 2 } });
      expect(service.handle('register', body(inst({ instanceId: 'a' }), inst({ instanceId: 'b' })), true)).toBe(SUCCESS_RESPONSE);
      const res = service.handle('register', body(inst({ instanceId: 'c' }), inst({ instanceId: 'd' }), inst({ instanceId: 'e' })), true);
      expect(res).toEqual({
        failedInstances: null,
        responseStatus: {
          errorCode: 'bad-request',
          message: 'request.instances has 3 entries; the limit is 2 (limits.maxInstancesPerRequest).',
          status: 'fail',
        },
      });
      expect(repository.instanceCount).toBe(2);
    });
  });

  describe('node gate', () => {
    it.each([
      ['up', null, true],
      ['starting', true, true],
      ['starting', null, false],
      ['starting', false, false],
      ['unknown', true, true],
      ['unknown', null, false],
      ['down', true, false],
      ['down', false, false],
    ] as const)('status %s with canServiceRegistry=%s → served: %s', (s, capable, served) => {
      const { service, gate, repository } = setup();
      gate.status = status(s, capable);
      const res = service.handle('register', body(inst()));
      if (served) {
        expect(res).toBe(SUCCESS_RESPONSE);
        expect(repository.instanceCount).toBe(1);
      } else {
        expect(res).toEqual({
          failedInstances: null,
          responseStatus: {
            errorCode: 'service-unavailable',
            message: `Serivce registry is not in up state. Current status: { node: http://node, status: ${s}, canServiceRegistry: ${String(capable)}, canServiceDiscovery: ${String(capable)} }`,
            status: 'fail',
          },
        });
        expect(repository.instanceCount).toBe(0);
      }
    });

    it('reads the live status on every call', () => {
      const { service, gate } = setup();
      expect(service.handle('register', body(inst()))).toBe(SUCCESS_RESPONSE);
      gate.status = status('down', false);
      expect(service.handle('heartbeat', body(inst())).responseStatus.errorCode).toBe('service-unavailable');
      gate.status = status('up', true);
      expect(service.handle('heartbeat', body(inst()))).toBe(SUCCESS_RESPONSE);
    });
  });

  describe('per-instance checks', () => {
    it('region must be non-blank and equal ignoring case', () => {
      const { service, repository } = setup();
      const res = service.handle('register', body(inst({ regionId: 'sha', instanceId: 'ok' }), inst({ regionId: 'SHB' }), inst({ regionId: ' ' })));
      expect(res.responseStatus).toEqual({ errorCode: 'partial_fail', message: '', status: 'partial_fail' });
      expect(res.failedInstances?.map((f) => [f.errorCode, f.errorMessage])).toEqual([
        ['no-permission', 'shb/sha-z1/demo.order/10.1.2.3:8080: regionId is not the same as the registry node. regionId: SHB, registry node.regionId: SHA'],
        ['no-permission', ' /sha-z1/demo.order/10.1.2.3:8080: regionId is not the same as the registry node. regionId:  , registry node.regionId: SHA'],
      ]);
      expect(repository.instanceCount).toBe(1);
    });

    it('zone is checked only when the node status does not allow other zones (null counts as not allowed)', () => {
      for (const allow of [false, null]) {
        const { service, gate, repository } = setup();
        gate.status = status('up', true, allow);
        const res = service.handle('register', body(inst({ zoneId: 'SHA-Z1', instanceId: 'same' }), inst({ zoneId: 'sha-z2' }), inst({ zoneId: null, instanceId: 'nz' })));
        expect(res.failedInstances?.map((f) => f.errorMessage)).toEqual([
          'sha/sha-z2/demo.order/10.1.2.3:8080: zoneId is not the same as the registry node. zoneId: sha-z2, registry node.zoneId: sha-z1',
          'sha/null/demo.order/nz: zoneId is not the same as the registry node. zoneId: null, registry node.zoneId: sha-z1',
        ]);
        expect(res.failedInstances?.every((f) => f.errorCode === 'no-permission')).toBe(true);
        expect(repository.instanceCount).toBe(1);
      }
      const open = setup();
      expect(open.service.handle('register', body(inst({ zoneId: 'elsewhere' })))).toBe(SUCCESS_RESPONSE);
    });

    it('region is checked before zone, zone before required fields', () => {
      const { service } = setup({ allowOtherZone: false });
      const res = service.handle('register', body(inst({ regionId: 'X', zoneId: 'Y', url: null }), inst({ zoneId: 'Y', url: null })));
      expect(res.failedInstances?.map((f) => f.errorMessage?.split(': ')[1])).toEqual([
        'regionId is not the same as the registry node. regionId',
        'zoneId is not the same as the registry node. zoneId',
      ]);
    });

    it('blank serviceId, instanceId, url: internal-service-error "Exception: argument instance.<field> is null or whitespace", first blank field named', () => {
      const { service } = setup();
      const res = service.handle(
        'register',
        body(inst({ serviceId: ' ', instanceId: '', url: null }), inst({ instanceId: '\t', url: null }), inst({ url: '  ' })),
      );
      expect(res.failedInstances?.map((f) => [f.errorCode, f.errorMessage])).toEqual([
        ['internal-service-error', 'sha/sha-z1/ /: Exception: argument instance.serviceId is null or whitespace'],
        ['internal-service-error', 'sha/sha-z1/demo.order/\t: Exception: argument instance.instanceId is null or whitespace'],
        ['internal-service-error', 'sha/sha-z1/demo.order/10.1.2.3:8080: Exception: argument instance.url is null or whitespace'],
      ]);
      expect(res.responseStatus.status).toBe('partial_fail');
    });

    it('field length limit: exactly the limit passes, one more is a per-instance bad-request', () => {
      const { service, repository } = setup({ limits: { maxFieldLength: 20 } });
      const res = service.handle(
        'register',
        body(inst({ instanceId: 'a'.repeat(20), url: 'u' }), inst({ instanceId: 'b', url: 'u', machineName: 'm'.repeat(21) })),
      );
      expect(res.failedInstances?.map((f) => [f.errorCode, f.errorMessage])).toEqual([
        ['bad-request', 'sha/sha-z1/demo.order/b: instance.machineName is 21 characters long; the limit is 20 (limits.maxFieldLength)'],
      ]);
      expect(repository.instanceCount).toBe(1);
    });

    it('metadata limits: entries and total characters', () => {
      const { service, repository } = setup({ limits: { maxMetadataEntries: 2, maxMetadataBytes: 10 } });
      const res = service.handle(
        'register',
        body(
          inst({ instanceId: 'ok', metadata: { ab: 'cdefghij' } }),
          inst({ instanceId: 'many', metadata: { a: '1', b: '2', c: '3' } }),
          inst({ instanceId: 'big', metadata: { ab: 'cdefghijk' } }),
        ),
      );
      expect(res.failedInstances?.map((f) => f.errorMessage)).toEqual([
        'sha/sha-z1/demo.order/many: instance.metadata has 3 entries; the limit is 2 (limits.maxMetadataEntries)',
        'sha/sha-z1/demo.order/big: instance.metadata holds 11 characters; the limit is 10 (limits.maxMetadataBytes)',
      ]);
      expect(repository.instanceCount).toBe(1);
    });

    it('null entries are skipped and not reported', () => {
      const { service, results } = setup();
      expect(service.handle('register', body(null, inst(), null))).toBe(SUCCESS_RESPONSE);
      expect(results).toEqual([['register', 'ok']]);
    });

    it('reports each instance result; failures carry the instance exactly as received', () => {
      const { service, results } = setup();
      const bad = { ServiceId: 'demo.order', INSTANCEID: 'x', regionId: 'SHB', url: 'u', extra: 1 };
      const res = service.handle('register', body(inst(), bad));
      expect(results).toEqual([
        ['register', 'ok'],
        ['register', 'no-permission'],
      ]);
      expect(res.failedInstances?.[0]?.instance).toEqual(makeInstance({ serviceId: 'demo.order', instanceId: 'x', regionId: 'SHB', url: 'u' }));
      expect(Object.keys(res.failedInstances?.[0] ?? {})).toEqual(['errorCode', 'errorMessage', 'instance']);
    });
  });
});

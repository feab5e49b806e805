import { describe, expect, it, vi } from 'vitest';
import { instanceKey, type Instance } from '../core/wire/instance.js';
import { SUCCESS_RESPONSE, SUCCESS_RESPONSE_JSON, type RegistryOperation } from './registry-service.js';
import { T0, useFakeTimeFromT0 } from '../../test/helpers/lease-clock.js';
import { body, inst, setup } from '../../test/helpers/registry-service.js';

describe('RegistryService', () => {
  useFakeTimeFromT0();

  describe('operations', () => {
    it('register creates a lease and publishes new; re-registering replaces data and publishes new again', () => {
      const { service, normal, changes } = setup();
      expect(service.handle('register', body(inst()))).toBe(SUCCESS_RESPONSE);
      vi.advanceTimersByTime(500);
      expect(service.handle('register', body(inst({ url: 'http://new', instanceId: '10.1.2.3:8080'.toUpperCase() })))).toBe(SUCCESS_RESPONSE);
      const lease = normal.get(instanceKey(inst()));
      expect(lease?.instance.url).toBe('http://new');
      expect(lease?.creationTime).toBe(T0 + 500);
      expect(normal.size).toBe(1);
      expect(changes.map((c) => [c.changeType, c.changeTime, c.instance.url])).toEqual([
        ['new', T0, 'http://10.1.2.3:8080/order'],
        ['new', T0 + 500, 'http://new'],
      ]);
    });

    it('heartbeat renews the lease but does not store the instance data it carries', () => {
      const { service, normal } = setup();
      service.handle('register', body(inst()));
      vi.advanceTimersByTime(15_000);
      expect(service.handle('heartbeat', body(inst({ url: 'http://changed', serviceId: 'DEMO.ORDER' })))).toBe(SUCCESS_RESPONSE);
      const lease = normal.get(instanceKey(inst()));
      expect(lease?.renewalTime).toBe(T0 + 15_000);
      expect(lease?.instance.url).toBe('http://10.1.2.3:8080/order');
      expect(lease?.instance.serviceId).toBe('demo.order');
      // renewed: still alive 15 s later, past the original TTL
      vi.advanceTimersByTime(15_000);
      expect(service.handle('heartbeat', body(inst()))).toBe(SUCCESS_RESPONSE);
    });

    it('heartbeat of an unknown, expired or unregistered instance is data-not-found until it registers again', () => {
      const { service, normal } = setup({ ttlMs: 20_000 });
      const notFound = (msg = 'sha/sha-z1/demo.order/10.1.2.3:8080: Instance is not exising! Need re-register.') => ({
        failedInstances: [{ errorCode: 'data-not-found', errorMessage: msg, instance: inst() }],
        responseStatus: { errorCode: 'partial_fail', message: '', status: 'partial_fail' },
      });
      expect(service.handle('heartbeat', body(inst()))).toEqual(notFound());
      service.handle('register', body(inst()));
      vi.advanceTimersByTime(20_001);
      expect(service.handle('heartbeat', body(inst()))).toEqual(notFound());
      // expired is sticky even without a sweep
      expect(normal.size).toBe(1);
      expect(service.handle('heartbeat', body(inst()))).toEqual(notFound());
      service.handle('register', body(inst()));
      expect(service.handle('heartbeat', body(inst()))).toBe(SUCCESS_RESPONSE);
      service.handle('unregister', body(inst()));
      expect(service.handle('heartbeat', body(inst()))).toEqual(notFound());
    });

    it('unregister removes the lease and publishes delete at once, with no sweep; unknown instances are no error', () => {
      const { service, normal, changes, repository } = setup();
      service.handle('register', body(inst(), inst({ instanceId: 'other' })));
      expect(service.handle('unregister', body(inst({ instanceId: '10.1.2.3:8080', serviceId: 'Demo.Order', regionId: 'sha' })))).toBe(SUCCESS_RESPONSE);
      expect(normal.get(instanceKey(inst()))).toBeUndefined();
      expect(changes.filter((c) => c.changeType === 'delete').map((c) => c.instance.instanceId)).toEqual(['10.1.2.3:8080']);
      expect(normal.sweep()).toBe(0);
      expect(repository.service('demo.order')?.leases.size).toBe(1);
      expect(service.handle('unregister', body(inst({ instanceId: 'never-registered' })))).toBe(SUCCESS_RESPONSE);
    });

    it('a registration of the same data keeps the stored instance object; changed data replaces it', () => {
      const { service, normal, changes } = setup();
      service.handle('register', body(inst({ metadata: { a: '1', b: '2' } })));
      const stored = normal.get(instanceKey(inst()))!.instance;
      service.handle('register', body(inst({ metadata: { a: '1', b: '2' } })));
      expect(normal.get(instanceKey(inst()))!.instance).toBe(stored);
      expect(changes.at(-1)!.instance).toBe(stored);
      for (const changed of [inst({ metadata: { b: '2', a: '1' } }), inst({ metadata: { a: '1' } }), inst({ status: 'down', metadata: { a: '1', b: '2' } })]) {
        service.handle('register', body(changed));
        expect(normal.get(instanceKey(inst()))!.instance).not.toBe(stored);
        expect(JSON.stringify(normal.get(instanceKey(inst()))!.instance)).toBe(JSON.stringify(changed));
      }
    });

    it('legacy instances (java_registry metadata) use the legacy lease table', () => {
      const { service, normal, legacy } = setup();
      const old = inst({ metadata: { java_registry: 'true' } });
      service.handle('register', body(old));
      expect(legacy.size).toBe(1);
      expect(normal.size).toBe(0);
      vi.advanceTimersByTime(60_000);
      expect(service.handle('heartbeat', body(old))).toBe(SUCCESS_RESPONSE);
      service.handle('unregister', body(old));
      expect(legacy.size).toBe(0);
      expect(legacy.sweep()).toBe(0);
    });

    it('applied listeners hear every successful instance, including unregister of an unknown one, and no failures', () => {
      const { service } = setup();
      const applied: Array<[RegistryOperation, string | null]> = [];
      service.onApplied((op, i) => applied.push([op, i.instanceId]));
      service.handle('register', body(inst({ instanceId: 'a' }), inst({ instanceId: 'b', regionId: 'X' })));
      service.handle('heartbeat', body(inst({ instanceId: 'a' }), inst({ instanceId: 'zzz' })));
      service.handle('unregister', body(inst({ instanceId: 'nobody' })));
      expect(applied).toEqual([
        ['register', 'a'],
        ['heartbeat', 'a'],
        ['unregister', 'nobody'],
      ]);
    });
  });

  describe('responses', () => {
    it('a full success returns the shared success response, whose JSON is the reference text', () => {
      const { service } = setup();
      expect(service.handle('register', body(inst()))).toBe(SUCCESS_RESPONSE);
      expect(Object.isFrozen(SUCCESS_RESPONSE)).toBe(true);
      expect(SUCCESS_RESPONSE_JSON.toString('utf8')).toBe(
        '{"failedInstances":null,"responseStatus":{"errorCode":"success","message":"","status":"success"}}',
      );
    });

    it('partial failures are fresh objects per call', () => {
      const { service } = setup();
      const a = service.handle('heartbeat', body(inst()));
      const b = service.handle('heartbeat', body(inst({ instanceId: 'other' })));
      expect(a).not.toBe(b);
      expect(a.failedInstances?.[0]?.instance?.instanceId).toBe('10.1.2.3:8080');
    });
  });

  describe('unexpected errors', () => {
    it('an error thrown by an operation fails that instance with internal-service-error "Exception: <message>"; the others are applied (spec 3.2 step 4)', () => {
      const { service, repository } = setup();
      const original = repository.register.bind(repository);
      vi.spyOn(repository, 'register').mockImplementation((i: Instance) => {
        if (i.instanceId === 'boom') throw new Error('disk on fire');
        return original(i);
      });
      const res = service.handle('register', body(inst({ instanceId: 'a' }), inst({ instanceId: 'boom' }), inst({ instanceId: 'c' })));
      expect(res.responseStatus).toEqual({ errorCode: 'partial_fail', message: '', status: 'partial_fail' });
      expect(res.failedInstances?.map((f) => [f.errorCode, f.errorMessage])).toEqual([
        ['internal-service-error', 'sha/sha-z1/demo.order/boom: Exception: disk on fire'],
      ]);
      expect(repository.instanceCount).toBe(2);
    });

    it('an error outside the per-instance work becomes internal-service-error with an id the sink also receives', () => {
      const { service, unexpected } = setup();
      const hostile = {
        get instances(): unknown {
          throw new Error('getter exploded');
        },
      };
      const res = service.handle('register', hostile, true);
      expect(res.failedInstances).toBeNull();
      expect(res.responseStatus.errorCode).toBe('internal-service-error');
      expect(res.responseStatus.status).toBe('fail');
      expect(unexpected).toHaveLength(1);
      const [err, id] = unexpected[0]!;
      expect((err as Error).message).toBe('getter exploded');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.responseStatus.message).toContain(id);
    });
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../core/clock.js';
import { BadRequestError } from '../core/errors.js';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import { instanceKey, makeInstance, type Instance } from '../core/wire/instance.js';
import type { InstanceChange } from '../core/wire/service.js';
import { LeaseManager } from '../lease/lease-manager.js';
import { SelfPreservation, type SelfPreservationSettings } from '../lease/self-preservation.js';
import { RateLimiter, type LimiterSettings } from '../ratelimit/rate-limiter.js';
import { ChangeBus } from './change-bus.js';
import type { InstanceLimits } from './instance-limits.js';
import { RegistryRepository } from './registry-repository.js';
import { RegistryService, SUCCESS_RESPONSE, SUCCESS_RESPONSE_JSON, type NodeGate, type RegistryOperation } from './registry-service.js';
import { instance } from '../../test/helpers/node.js';

const T0 = 1_700_000_000_000;
const clock: Clock = { now: () => Date.now() };

const spSettings: SelfPreservationSettings = {
  enabled: true,
  windowMs: 10_000,
  percentageThreshold: 85,
  maxCountThreshold: 50,
  maxCountResetIntervalMs: 600_000,
};

const defaultLimits: InstanceLimits = { maxInstancesPerRequest: 100, maxFieldLength: 64, maxMetadataEntries: 4, maxMetadataBytes: 40 };

function status(s: ServiceNodeStatus['status'], capable: boolean | null, allowOtherZone: boolean | null = true): ServiceNodeStatus {
  return {
    allowDiscoveryFromOtherZone: allowOtherZone,
    allowRegistryFromOtherZone: allowOtherZone,
    canServiceDiscovery: capable,
    canServiceRegistry: capable,
    node: { url: 'http://node', zone: { metadata: null, regionId: 'SHA', zoneId: 'sha-z1' } },
    status: s,
  };
}

interface Setup {
  service: RegistryService;
  repository: RegistryRepository;
  normal: LeaseManager;
  legacy: LeaseManager;
  gate: { status: ServiceNodeStatus; regionId: string; zoneId: string };
  changes: InstanceChange[];
  unexpected: Array<[unknown, string]>;
  results: Array<[RegistryOperation, string]>;
}

function setup(opts: { limiter?: Partial<LimiterSettings>; limits?: Partial<InstanceLimits>; ttlMs?: number; allowOtherZone?: boolean } = {}): Setup {
  const normal = new LeaseManager('instance', { ttlMs: opts.ttlMs ?? 20_000 }, clock, new SelfPreservation(spSettings, clock));
  const legacy = new LeaseManager('legacy-instance', { ttlMs: 90_000 }, clock, new SelfPreservation(spSettings, clock));
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const changes: InstanceChange[] = [];
  bus.subscribe((c) => changes.push(c));
  const repository: RegistryRepository = new RegistryRepository(normal, legacy, bus, clock);
  const gate = { status: status('up', true, opts.allowOtherZone ?? true), regionId: 'SHA', zoneId: 'sha-z1' };
  const nodeGate: NodeGate = {
    get status() {
      return gate.status;
    },
    get regionId() {
      return gate.regionId;
    },
    get zoneId() {
      return gate.zoneId;
    },
  };
  const unexpected: Array<[unknown, string]> = [];
  const results: Array<[RegistryOperation, string]> = [];
  const limiter = new RateLimiter('artemis.service.registry', { enabled: true, defaultLimit: 100_000, limits: {}, ...opts.limiter }, 10_000, clock);
  const service = new RegistryService({
    repository,
    node: nodeGate,
    limiter,
    limits: { ...defaultLimits, ...opts.limits },
    onUnexpected: (err, id) => unexpected.push([err, id]),
    onInstanceResult: (op, r) => results.push([op, r]),
  });
  return { service, repository, normal, legacy, gate, changes, unexpected, results };
}

function inst(overrides: Partial<Instance> = {}): Instance {
  return makeInstance(instance(overrides));
}

const body = (...instances: unknown[]) => ({ instances });

describe('RegistryService', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

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

import { describe, expect, it } from 'vitest';
import { createNode, type ArtemisNode } from '../../src/app.js';
import { readInstance } from '../../src/core/wire/instance.js';
import type { DiscoveryFilter } from '../../src/discovery/discovery-filter.js';
import { request } from '../helpers/http.js';
import { inProcessNode, instance, testConfig, type ConfigFlags } from '../helpers/node.js';

/** Wire texts of spec 3.3 and 3.4 (discovery and replication services.json), pinned byte for byte. */

const SUCCESS = '{"errorCode":"success","message":"","status":"success"}';
const NPE = '{"errorCode":"internal-service-error","message":null,"status":"fail"}';
const STARTING =
  '{"errorCode":"service-unavailable","message":"Serivce discovery is not in up state. Current status: { node: http://127.0.0.1, status: starting, canServiceRegistry: null, canServiceDiscovery: null }","status":"fail"}';
const NO_REGION = (given: string) =>
  `{"errorCode":"no-permission","message":"regionId is not the same as the registry node. regionId: ${given}, registry node.regionId: SHA","status":"fail"}`;

const I3 =
  '{"groupId":null,"healthCheckUrl":null,"instanceId":"10.1.2.3:8080","ip":"10.1.2.3","machineName":null,"metadata":null,"port":8080,"protocol":"http","regionId":"SHA","serviceId":"demo.order","status":"up","url":"http://10.1.2.3:8080/order","zoneId":"sha-z1"}';
const I4 = I3.replaceAll('10.1.2.3', '10.1.2.4');
const bare = (id: string | null) =>
  `{"instances":null,"logicInstances":null,"metadata":null,"routeRules":null,"serviceId":${JSON.stringify(id)}}`;
/** A present service as every node serves it: the management filters always leave the lists as arrays. */
const ORDER = `{"instances":[${I3}],"logicInstances":[],"metadata":null,"routeRules":[],"serviceId":"demo.order"}`;
const EMPTY = (id: string) => `{"instances":[],"logicInstances":[],"metadata":null,"routeRules":[],"serviceId":${JSON.stringify(id)}}`;

/** Mimics the reference's management filters: lists always present (spec 3.3 example). */
const managementLike: DiscoveryFilter = {
  name: 'management-like',
  dependsOnConfig: false,
  filter: (s) => {
    s.instances ??= [];
    s.logicInstances ??= [];
    s.routeRules ??= [];
  },
};

interface Clocked {
  node: ArtemisNode;
  clock: { t: number; now(): number };
}

function clocked(flags: ConfigFlags = {}, t = 1_699_999_990_000, up = true): Clocked {
  const clock = { t, now: () => clock.t };
  const node = up ? inProcessNode(flags, { clock }) : createNode(testConfig(flags), { clock });
  return { node, clock };
}

/** Registers straight into the repository (also on a node that is not up) and rebuilds the cache. */
function register(node: ArtemisNode, ...instances: object[]): void {
  for (const i of instances) node.repository.register(readInstance(i, 'instance')!);
  node.discovery.flush();
}

async function post(node: ArtemisNode, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await request(node, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

async function get(node: ArtemisNode, path: string): Promise<{ status: number; text: string }> {
  const res = await request(node, path);
  return { status: res.status, text: await res.text() };
}

const cfg = (serviceId: string | null) => ({ discoveryData: null, regionId: null, serviceId, zoneId: null });

describe('discovery wire: lookup.json', () => {
  const SPEC_REQUEST =
    '{"discoveryConfigs":[{"discoveryData":null,"regionId":null,"serviceId":"demo.order","zoneId":null},{"discoveryData":null,"regionId":null,"serviceId":"demo.missing","zoneId":null}],"regionId":"SHA","zoneId":"sha-z1"}';
  const SPEC_RESPONSE = `{"responseStatus":${SUCCESS},"services":[{"instances":[${I3}],"logicInstances":[],"metadata":null,"routeRules":[],"serviceId":"demo.order"},{"instances":[],"logicInstances":[],"metadata":null,"routeRules":[],"serviceId":"demo.missing"}]}`;

  it('answers the spec example byte for byte with management-like filters', async () => {
    const { node } = clocked();
    node.discovery.addFilter(managementLike);
    register(node, instance());
    const res = await post(node, '/api/discovery/lookup.json', SPEC_REQUEST);
    expect(res.status).toBe(200);
    expect(res.text).toBe(SPEC_RESPONSE);
  });

  it('runs the filters for an absent service too, so it comes back with empty lists', async () => {
    const { node } = clocked();
    register(node, instance());
    expect((await post(node, '/api/discovery/lookup.json', SPEC_REQUEST)).text).toBe(
      `{"responseStatus":${SUCCESS},"services":[${ORDER},${EMPTY('demo.missing')}]}`,
    );
  });

  it('reads names case-insensitively, ignores unknown fields, keeps the registration spelling', async () => {
    const { node } = clocked();
    register(node, instance());
    const body = '{"DISCOVERYCONFIGS":[{"ServiceId":"Demo.Order","extra":1}],"RegionId":"sha","ZONEID":"SHA-Z1","unknown":{"a":1}}';
    expect((await post(node, '/api/discovery/lookup.json', body)).text).toBe(`{"responseStatus":${SUCCESS},"services":[${ORDER}]}`);
  });

  it('answers success with bare services when the node is not up, region or zone differ, or the id is blank', async () => {
    const request = (regionId: string | null, zoneId: string | null, ids = ['demo.order']) => ({
      discoveryConfigs: ids.map(cfg),
      regionId,
      zoneId,
    });
    const expectBare = async (node: ArtemisNode, body: object, ids: (string | null)[] = ['demo.order']) =>
      expect((await post(node, '/api/discovery/lookup.json', body)).text).toBe(
        `{"responseStatus":${SUCCESS},"services":[${ids.map(bare).join(',')}]}`,
      );
    const starting = clocked({}, 1_699_999_990_000, false).node;
    register(starting, instance());
    await expectBare(starting, request('SHA', 'sha-z1'));
    const strict = clocked({ 'discovery.allowFromOtherZone': false }).node;
    register(strict, instance());
    await expectBare(strict, request('NYC', 'sha-z1'));
    await expectBare(strict, request(null, 'sha-z1'));
    await expectBare(strict, request('SHA', 'sha-z9'));
    expect((await post(strict, '/api/discovery/lookup.json', request('sha', 'SHA-Z1'))).text).toContain(I3);
    const open = clocked().node;
    register(open, instance());
    expect((await post(open, '/api/discovery/lookup.json', request('SHA', 'sha-z9'))).text).toContain(I3);
    await expectBare(open, { discoveryConfigs: [cfg(''), cfg('  '), { serviceId: null }] }, ['', '  ', null]);
  });

  it('fails the whole call with internal-service-error for a null list, a null element or a null request', async () => {
    const { node } = clocked();
    const failure = `{"responseStatus":${NPE},"services":null}`;
    for (const body of [{ regionId: 'SHA' }, { discoveryConfigs: null }, { discoveryConfigs: [cfg('demo.order'), null] }, 'null', '']) {
      const res = await post(node, '/api/discovery/lookup.json', body);
      expect(res.status).toBe(200);
      expect(res.text).toBe(failure);
    }
    expect((await post(node, '/api/discovery/lookup.json', { discoveryConfigs: [] })).text).toBe(`{"responseStatus":${SUCCESS},"services":[]}`);
  });

  it('answers a body of the wrong shape with HTTP 400 and GET with 405', async () => {
    const { node } = clocked();
    const res = await post(node, '/api/discovery/lookup.json', { discoveryConfigs: 'demo.order' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).responseStatus.errorCode).toBe('bad-request');
    expect((await get(node, '/api/discovery/lookup.json')).status).toBe(405);
    expect((await post(node, '/api/discovery/lookup', { discoveryConfigs: [] })).status).toBe(200);
  });
});

describe('discovery wire: service.json', () => {
  const SERVICE = (service: string) => `{"responseStatus":${SUCCESS},"service":${service}}`;

  it('answers a present service, and an absent one with instances null even with filters', async () => {
    const { node } = clocked();
    register(node, instance());
    const request = (id: string) => ({ discoveryConfig: cfg(id), regionId: 'SHA', zoneId: 'sha-z1' });
    expect((await post(node, '/api/discovery/service.json', request('DEMO.ORDER'))).text).toBe(SERVICE(ORDER));
    expect((await get(node, '/api/discovery/service.json?serviceId=demo.order&regionId=SHA')).text).toBe(SERVICE(ORDER));
    node.discovery.addFilter(managementLike);
    expect((await post(node, '/api/discovery/service.json', request('demo.missing'))).text).toBe(SERVICE(bare('demo.missing')));
    expect((await post(node, '/api/discovery/service.json', request('demo.order'))).text).toContain('"logicInstances":[]');
  });

  it('answers bad-request for a null request, a null config or a blank id', async () => {
    const { node } = clocked();
    const failure =
      '{"responseStatus":{"errorCode":"bad-request","message":"Request is null or request.discoveryConfig is null.","status":"fail"},"service":null}';
    for (const body of ['null', { regionId: 'SHA' }, { discoveryConfig: cfg(' '), regionId: 'SHA' }, { DiscoveryConfig: {} }]) {
      expect((await post(node, '/api/discovery/service.json', body)).text).toBe(failure);
    }
    expect((await get(node, '/api/discovery/service.json?serviceId=&regionId=SHA')).text).toBe(failure);
  });

  it('checks the gate, then the region, then the zone', async () => {
    const starting = clocked({}, 1_699_999_990_000, false).node;
    expect((await get(starting, '/api/discovery/service.json?serviceId=demo.order')).text).toBe(
      `{"responseStatus":${STARTING},"service":null}`,
    );
    const strict = clocked({ 'discovery.allowFromOtherZone': false }).node;
    expect((await get(strict, '/api/discovery/service.json?serviceId=demo.order')).text).toBe(
      `{"responseStatus":${NO_REGION('null')},"service":null}`,
    );
    expect((await get(strict, '/api/discovery/service.json?serviceId=demo.order&regionId=sha&zoneId=sha-z9')).text).toBe(
      '{"responseStatus":{"errorCode":"no-permission","message":"zoneId is not the same as the registry node. zoneId: sha-z9, registry node.zoneId: sha-z1","status":"fail"},"service":null}',
    );
  });

  it('GET without serviceId is HTTP 400 with a ResponseStatus body', async () => {
    const { node } = clocked();
    const res = await get(node, '/api/discovery/service.json?regionId=SHA');
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      `{"responseStatus":{"errorCode":"bad-request","message":"Required String parameter 'serviceId' is not present","status":"fail"}}`,
    );
  });
});

describe('discovery wire: services.json and services-delta.json', () => {
  const DELTA_EXAMPLE = `{"delta":{"demo.order":[{"changeTime":1700000030000,"changeType":"delete","instance":${I4}}]},"responseStatus":${SUCCESS},"version":1700000030000}`;
  const NOT_FOUND = '{"delta":null,"responseStatus":{"errorCode":"data-not-found","message":"Delta is not found.","status":"fail"},"version":0}';

  function specScenario(): Clocked {
    const c = clocked({ 'registry.lease.ttlMs': 60_000 });
    c.clock.t = 1_700_000_000_000;
    register(c.node, instance(), instance({ instanceId: '10.1.2.4:8080', ip: '10.1.2.4', url: 'http://10.1.2.4:8080/order' }));
    expect(c.node.discovery.cache.version).toBe(1_700_000_000_000);
    return c;
  }

  it('services.json lists the snapshot with its version, by GET and POST', async () => {
    const { node } = specScenario();
    const text = `{"responseStatus":${SUCCESS},"services":[{"instances":[${I3},${I4}],"logicInstances":[],"metadata":null,"routeRules":[],"serviceId":"demo.order"}],"version":1700000000000}`;
    expect((await get(node, '/api/discovery/services.json')).text).toBe(text);
    expect((await post(node, '/api/discovery/services.json', { REGIONID: 'ignored', x: 1 })).text).toBe(text);
  });

  it('services-delta.json answers the spec example', async () => {
    const { node, clock } = specScenario();
    clock.t = 1_700_000_030_000;
    await post(node, '/api/registry/unregister.json', { instances: [instance({ instanceId: '10.1.2.4:8080', ip: '10.1.2.4' })] });
    node.repository.normal.sweep();
    node.discovery.flush();
    const res = await post(node, '/api/discovery/services-delta.json', { regionId: 'SHA', version: 1_700_000_000_000, zoneId: 'sha-z1' });
    expect(res.text).toBe(DELTA_EXAMPLE);
    expect((await post(node, '/api/discovery/services-delta.json', '{"VERSION":"1700000000000"}')).text).toBe(DELTA_EXAMPLE);
  });

  it('services-delta.json: current, unknown and 0 versions are data-not-found; a null request fails', async () => {
    const { node } = specScenario();
    for (const version of [1_700_000_000_000, 1_600_000_000_000, 0]) {
      expect((await post(node, '/api/discovery/services-delta.json', { version })).text).toBe(NOT_FOUND);
    }
    expect((await post(node, '/api/discovery/services-delta.json', {})).text).toBe(NOT_FOUND);
    expect((await post(node, '/api/discovery/services-delta.json', 'null')).text).toBe(`{"delta":null,"responseStatus":${NPE},"version":0}`);
  });

  it('both answer service-unavailable with version 0 while the node is not up', async () => {
    const { node } = clocked({}, 1_699_999_990_000, false);
    expect((await get(node, '/api/discovery/services.json')).text).toBe(`{"responseStatus":${STARTING},"services":null,"version":0}`);
    expect((await post(node, '/api/discovery/services-delta.json', { version: 1 })).text).toBe(
      `{"delta":null,"responseStatus":${STARTING},"version":0}`,
    );
  });
});

describe('replication wire: registry/services.json', () => {
  const PATH = '/api/replication/registry/services.json';
  const hideAll: DiscoveryFilter = { name: 'hide', dependsOnConfig: false, filter: (s) => void (s.instances = []) };

  // Asked as a Java peer asks: unsigned, from a trusted address.
  const JAVA_PEER = { 'cluster.trustedAddresses': ['127.0.0.1'] };

  it('lists raw instances without filters, with no node gate, checking the region only', async () => {
    const { node } = clocked({ ...JAVA_PEER, 'discovery.allowFromOtherZone': false }, 1_699_999_990_000, false);
    node.discovery.addFilter(hideAll);
    register(node, instance());
    expect(node.discovery.getServices().bytes.toString()).toContain('service-unavailable');
    expect(node.discovery.cache.servicesBody().bytes.toString()).toContain('"services":[]');
    const raw = `{"instances":[${I3}],"logicInstances":null,"metadata":null,"routeRules":null,"serviceId":"demo.order"}`;
    const text = `{"responseStatus":${SUCCESS},"services":[${raw}]}`;
    expect((await post(node, PATH, { RegionId: 'sha', zoneId: 'elsewhere' })).text).toBe(text);
    expect((await get(node, `${PATH}?regionId=SHA&zoneId=x`)).text).toBe(text);
    expect((await get(node, `${PATH}?regionId=NYC`)).text).toBe(`{"responseStatus":${NO_REGION('NYC')},"services":null}`);
    expect((await post(node, PATH, 'null')).text).toBe(`{"responseStatus":${NPE},"services":null}`);
  });

  it('GET without regionId is HTTP 400; the get-services limiter answers rate-limited', async () => {
    const { node } = clocked({ ...JAVA_PEER, 'rateLimit.replication.defaultLimit': 2 });
    expect((await get(node, PATH)).status).toBe(400);
    expect((await post(node, PATH, { regionId: 'SHA' })).text).toBe(`{"responseStatus":${SUCCESS},"services":[]}`);
    expect((await post(node, PATH, { regionId: 'SHA' })).text).toBe(`{"responseStatus":${SUCCESS},"services":[]}`);
    expect((await post(node, PATH, { regionId: 'SHA' })).text).toBe(
      '{"responseStatus":{"errorCode":"rate-limited","message":"Request is rate limited.","status":"fail"},"services":null}',
    );
  });
});

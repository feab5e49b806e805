import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadRequestError, RegistryError } from '../../core/errors.js';
import type { z } from 'zod';
import { RATE_LIMITED, SUCCESS } from '../../core/response-status.js';
import * as W from '../../core/wire/management-groups.js';
import { makeInstance } from '../../core/wire/instance.js';
import { readObject } from '../../core/wire/json-reader.js';
import { DEFAULT_WEIGHT, MAX_WEIGHT } from '../../core/wire/route-rules.js';
import { RateLimiter } from '../../ratelimit/rate-limiter.js';
import { createStore, type ManagementStore, type WriteBatch } from '../../store/index.js';
import { DELETE_GROUPS_FAILED, GET_GROUPS_FAILED, INSERT_GROUPS_FAILED, RELEASE_ROUTE_RULE_GROUPS_FAILED } from '../failures.js';
import { ManagementState } from '../management-state.js';
import { loadRecords } from './routing-records.js';
import { RoutingService } from './routing-service.js';
import { RoutingState } from './routing-state.js';

const AUDIT = { operation: 'release', operatorId: 'alice', token: 't-1' };
const group = (name: string, extra: Record<string, unknown> = {}) => ({ serviceId: 'demo.order', regionId: 'SHA', zoneId: 'sha-z1', name, appId: '100001', status: 'active', ...extra });
const member = (instanceId: string, groupId: string | null) => makeInstance({ serviceId: 'demo.order', regionId: 'SHA', zoneId: 'sha-z1', instanceId, groupId, ip: '10.0.0.1' });

/** Routing over a private in-memory SQLite store, with the node's state reloaded after every write. */
class Harness {
  state = ManagementState.EMPTY;
  failWrites = false;
  limits: Record<string, number> = {};
  readonly routing: RoutingService;

  constructor(readonly store: ManagementStore) {
    let now = 0;
    const limiter = new RateLimiter('group', { enabled: true, defaultLimit: 1_000, limits: this.limits }, 10_000, { now: () => (now += 1) });
    this.routing = new RoutingService({
      store,
      state: () => this.state,
      request: (body) => {
        const req = readObject(body, 'request');
        if (req === null) throw new BadRequestError('request is null');
        return req;
      },
      commit: async (batch: WriteBatch, failure: string) => {
        if (this.failWrites) throw new RegistryError('internal-service-error', failure);
        await store.write(batch);
        await this.reload();
      },
      limiter,
      settings: { maxFieldLength: 32, maxRoutingBatch: 3 },
    });
  }

  async reload(): Promise<void> {
    const [rows, canaries, records] = await Promise.all([this.store.operations(), this.store.canaries(), loadRecords((k) => this.store.entities(k))]);
    this.state = new ManagementState(rows, canaries, new RoutingState(records));
  }

  get rules() {
    return this.routing.rules;
  }
  get groups() {
    return this.routing.groups;
  }
  get members() {
    return this.routing.members;
  }
}

/** The rejection of a call as [errorCode, message]. */
async function failure(p: Promise<unknown>): Promise<[string, string]> {
  const err = await p.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
  if (!(err instanceof RegistryError)) throw err;
  return [err.errorCode, err.message];
}

/** The answer is exactly what the wire schema describes: same keys, same order, same values (JSON text equal). */
function conforms(schema: z.ZodType, answer: unknown): void {
  expect(JSON.stringify(schema.parse(answer))).toBe(JSON.stringify(answer));
}

describe('routing (groups, route rules, weights, tags, logical instances)', () => {
  let h: Harness;
  beforeEach(async () => {
    const store = createStore({ url: 'sqlite::memory:', dataDir: '' });
    await store.init();
    h = new Harness(store);
  });
  afterEach(async () => {
    await h.store.close();
  });

  /** A rule on blue and green with the given pending weights; returns the rule id and group ids. */
  async function blueGreen(blue: number, green: number) {
    await h.rules.createRouteRule({
      routeRule: { serviceId: 'demo.order', name: 'release', status: 'active', strategy: 'weighted-round-robin' },
      groups: [
        { ...group('blue'), weight: blue },
        { ...group('green'), weight: green },
      ],
      ...AUDIT,
    });
    const [rule] = h.state.routing.liveRouteRules();
    const ids = new Map([...h.state.routing.groupsById.values()].map((g) => [g.name, g.id]));
    return { routeRuleId: rule!.id, blue: ids.get('blue')!, green: ids.get('green')! };
  }

  const publishedWeights = () => (h.state.routing.routeRules.get('demo.order') ?? []).flatMap((r) => (r.groups ?? []).map((g) => [g.groupKey, g.weight]));

  describe('validation', () => {
    it('answers bad-request prefixed with the endpoint failure text, naming the field', async () => {
      expect(await failure(h.groups.insertGroups({ groups: [group('blue', { appId: ' ' })], ...AUDIT }))).toEqual([
        'bad-request',
        `${INSERT_GROUPS_FAILED} groups[0].appId is null or empty`,
      ]);
      expect(await failure(h.groups.insertGroups(null))).toEqual(['bad-request', `${INSERT_GROUPS_FAILED} request is null`]);
      expect(await failure(h.groups.insertGroups({ groups: [], ...AUDIT }))).toEqual(['bad-request', `${INSERT_GROUPS_FAILED} groups is null or empty`]);
    });

    it('requires the audit block and checks field lengths and the batch limit', async () => {
      const [code, message] = await failure(h.groups.insertGroups({ groups: [group('blue')], operation: 'x', operatorId: 'alice' }));
      expect([code, message]).toEqual(['bad-request', `${INSERT_GROUPS_FAILED} token is null or empty (the audit fields operation, operatorId, token and extensions are required)`]);
      expect((await failure(h.groups.insertGroups({ groups: [group('x'.repeat(33))], ...AUDIT })))[1]).toBe(`${INSERT_GROUPS_FAILED} name is 33 characters long; the limit is 32 (limits.maxFieldLength)`);
      const four = ['a', 'b', 'c', 'd'].map((n) => group(n));
      expect((await failure(h.groups.insertGroups({ groups: four, ...AUDIT })))[1]).toBe(`${INSERT_GROUPS_FAILED} groups holds 4 entries; the limit is 3 (management.maxRoutingBatch)`);
      expect((await failure(h.groups.deleteGroups({ groupIds: [1, 2, 3, 4], ...AUDIT })))[1]).toBe(`${DELETE_GROUPS_FAILED} groupIds holds 4 ids; the limit is 3 (management.maxRoutingBatch)`);
      expect(await h.store.entities('group')).toEqual([]);
    });

    it('rejects a create-route-rule group of another service before writing anything', async () => {
      const [, message] = await failure(
        h.rules.createRouteRule({ routeRule: { serviceId: 'demo.order', name: 'r', status: 'active', strategy: 's' }, groups: [{ ...group('blue', { serviceId: 'demo.pay' }), weight: 1 }], ...AUDIT }),
      );
      expect(message).toMatch(/groups\[0\]\.serviceId demo\.pay is not the route rule's service demo\.order$/);
      expect(await h.store.entities('route-rule')).toEqual([]);
    });

    it('answers a store failure as internal-service-error with the failure text alone', async () => {
      h.failWrites = true;
      expect(await failure(h.groups.insertGroups({ groups: [group('blue')], ...AUDIT }))).toEqual(['internal-service-error', INSERT_GROUPS_FAILED]);
    });
  });

  describe('weights', () => {
    it('publishes the default weight until a release, and clamps released weights to 0..10000', async () => {
      const { routeRuleId, blue, green } = await blueGreen(20_000, -3);
      expect(publishedWeights()).toEqual([
        ['demo.order/sha/sha-z1/blue', DEFAULT_WEIGHT],
        ['demo.order/sha/sha-z1/green', DEFAULT_WEIGHT],
      ]);
      await h.rules.releaseRouteRuleGroups({ routeRuleGroups: [{ routeRuleId, groupId: blue }, { routeRuleId, groupId: green }], ...AUDIT });
      expect(publishedWeights()).toEqual([
        ['demo.order/sha/sha-z1/blue', MAX_WEIGHT],
        ['demo.order/sha/sha-z1/green', DEFAULT_WEIGHT],
      ]);
    });

    it('release copies the pending weight to the published one; an update stages without publishing', async () => {
      const { routeRuleId, blue, green } = await blueGreen(90, 10);
      await h.rules.updateRouteRuleGroups({ routeRuleGroups: [{ routeRuleId, groupId: blue, unreleasedWeight: 70 }], ...AUDIT });
      const links = () => (h.rules.getAllRouteRuleGroups() as { routeRuleGroups: Array<{ groupId: number; weight: number | null; unreleasedWeight: number | null }> }).routeRuleGroups;
      expect(links().map((l) => [l.groupId, l.unreleasedWeight, l.weight])).toEqual([
        [blue, 70, null],
        [green, 10, null],
      ]);
      // only the named link is released; the pending weight of the request is not what is copied
      await h.rules.releaseRouteRuleGroups({ routeRuleGroups: [{ routeRuleId, groupId: blue, unreleasedWeight: 1 }], ...AUDIT });
      expect(links().map((l) => [l.groupId, l.unreleasedWeight, l.weight])).toEqual([
        [blue, 70, 70],
        [green, 10, null],
      ]);
      expect(publishedWeights()).toEqual([
        ['demo.order/sha/sha-z1/blue', 70],
        ['demo.order/sha/sha-z1/green', DEFAULT_WEIGHT],
      ]);
      const logs = await h.store.queryLogs('route-rule-group', { groupId: blue }, 10);
      expect(logs.map((l) => l.weight)).toEqual([90, 70, 1]);
    });

    it('a release of links that do not exist writes only its log rows', async () => {
      await h.rules.releaseRouteRuleGroups({ routeRuleGroups: [{ routeRuleId: 9, groupId: 9 }], ...AUDIT });
      expect(await h.store.entities('route-rule-group')).toEqual([]);
      expect(await h.store.queryLogs('route-rule-group', {}, 10)).toHaveLength(1);
      expect((await failure(h.rules.releaseRouteRuleGroups({ routeRuleGroups: [{ groupId: 9 }], ...AUDIT })))[1]).toBe(
        `${RELEASE_ROUTE_RULE_GROUPS_FAILED} routeRuleGroups[0] needs routeRuleId and groupId`,
      );
    });
  });

  describe('deletes', () => {
    it('soft-deletes groups and route rules: kept in the store, gone from reads; an insert revives the same id', async () => {
      const { routeRuleId, blue } = await blueGreen(1, 1);
      await h.groups.deleteGroups({ groupIds: [blue, 999], ...AUDIT });
      await h.rules.deleteRouteRules({ routeRuleIds: [routeRuleId], ...AUDIT });
      const stored = await h.store.entities('group');
      expect(stored.find((r) => r.id === blue)?.fields.deleted).toBe(true);
      expect((await h.groups.getGroups({}))).toMatchObject({ groups: [{ name: 'green' }], responseStatus: SUCCESS });
      expect(h.state.routing.groupsById.has(blue)).toBe(false);
      expect(h.rules.getAllRouteRules()).toEqual({ responseStatus: SUCCESS, routeRules: [] });
      expect(await h.store.queryLogs('group', {}, 10)).toHaveLength(3);

      await h.groups.insertGroups({ groups: [group('BLUE')], ...AUDIT });
      expect([...h.state.routing.groupsById.keys()].sort()).toEqual([blue, blue + 1].sort());
    });

    it('hard-deletes links, logical members and logical instances', async () => {
      const { blue } = await blueGreen(1, 1);
      await h.members.insertGroupInstances({ groupInstances: [{ groupId: blue, instanceId: 'logic-1' }], ...AUDIT });
      await h.members.insertServiceInstances({
        serviceInstances: [{ serviceId: 'demo.order', instanceId: 'logic-1', url: 'http://l', ip: '10.9.9.9', machineName: 'm', protocol: 'http', regionId: 'SHA', zoneId: 'sha-z1', healthCheckUrl: 'http://l/h', groupId: 'blue', metadata: { a: '1' }, port: 80 }],
        ...AUDIT,
      });
      const [link] = await h.store.entities('route-rule-group');
      const [m] = await h.store.entities('group-instance');
      const [s] = await h.store.entities('service-instance');
      await h.rules.deleteRouteRuleGroups({ routeRuleGroupIds: [link!.id], ...AUDIT });
      await h.members.deleteGroupInstances({ groupInstanceIds: [m!.id], ...AUDIT });
      await h.members.deleteServiceInstances({ serviceInstanceIds: [s!.id], ...AUDIT });
      expect((await h.store.entities('route-rule-group')).map((r) => r.id)).not.toContain(link!.id);
      expect(await h.store.entities('group-instance')).toEqual([]);
      expect(await h.store.entities('service-instance')).toEqual([]);
      expect(h.state.routing.logicInstances.size).toBe(0);
    });
  });

  describe('group pull-out', () => {
    it('makes the instances registered in the group down until the operation completes', async () => {
      const { blue } = await blueGreen(1, 1);
      const inBlue = member('blue-1', 'Blue');
      const inGreen = member('green-1', 'green');
      const operate = (complete: boolean) => h.groups.operateGroupOperations({ groupOperationsList: [{ groupId: blue, operations: ['pullout'] }], operationComplete: complete, ...AUDIT });

      await operate(false);
      expect([h.state.isDown(inBlue), h.state.isDown(inGreen)]).toEqual([true, false]);
      expect(h.state.pulledOutGroups.get(blue)).toBe('demo.order');
      expect(await h.groups.getGroupOperations({ groupId: blue })).toEqual({ groupOperations: { groupId: blue, operations: ['pullout'] }, responseStatus: SUCCESS });

      await operate(true);
      expect(h.state.isDown(inBlue)).toBe(false);
      expect(h.groups.getAllGroupOperations()).toEqual({ allGroupOperations: [], responseStatus: SUCCESS });
    });

    it('an operation on a deleted group pulls nothing out; operate-group-operation creates a missing group', async () => {
      const { blue } = await blueGreen(1, 1);
      await h.groups.deleteGroups({ groupIds: [blue], ...AUDIT });
      await h.groups.operateGroupOperations({ groupOperationsList: [{ groupId: blue, operations: ['pullout'] }], ...AUDIT });
      expect(h.state.isDown(member('blue-1', 'blue'))).toBe(false);
      expect(h.state.groupOperations.get(blue)).toEqual(['pullout']);

      await h.groups.operateGroupOperation({ ...group('red'), ...AUDIT, operation: 'pullout' });
      const red = [...h.state.routing.groupsById.values()].find((g) => g.name === 'red');
      expect(red).toBeDefined();
      expect(h.state.isDown(member('red-1', 'red'))).toBe(true);
    });
  });

  describe('snapshot', () => {
    it('publishes active rules with their active groups, tags and logical members; logical instances up', async () => {
      const { blue, green } = await blueGreen(1, 1);
      await h.groups.updateGroups({ groups: [group('green', { status: 'inactive' })], ...AUDIT });
      await h.groups.insertGroupTags({ groupTagsList: [{ groupId: blue, tags: { owner: ' team-a ', n: 3 } }] });
      await h.members.insertGroupInstances({ groupInstances: [{ groupId: blue, instanceId: 'logic-1' }], ...AUDIT });
      const before = h.state.routing.signatures.get('demo.order');

      const [rule] = h.state.routing.routeRules.get('demo.order')!;
      expect(rule).toEqual({
        groups: [{ groupKey: 'demo.order/sha/sha-z1/blue', instanceIds: ['logic-1'], instances: null, metadata: { owner: 'team-a', n: '3' }, weight: DEFAULT_WEIGHT }],
        routeId: 'release',
        strategy: 'weighted-round-robin',
      });
      expect(h.state.routing.serviceGroups.get('demo.order')?.map((g) => g.groupKey)).toEqual(['demo.order/sha/sha-z1/blue', 'demo.order/sha/sha-z1/green']);
      expect(await h.groups.getGroupTags({ groupId: blue })).toEqual({ groupTags: { groupId: blue, tags: { owner: 'team-a', n: '3' } }, responseStatus: SUCCESS });
      expect(await h.groups.getGroupTags({ groupId: green })).toEqual({ groupTags: null, responseStatus: SUCCESS });

      await h.members.insertServiceInstances({
        serviceInstances: [{ serviceId: 'demo.order', instanceId: 'logic-1', url: 'http://l', ip: '10.9.9.9', machineName: 'm', protocol: 'http', regionId: 'SHA', zoneId: 'sha-z1', healthCheckUrl: 'http://l/h', groupId: 'blue', metadata: { a: '1' } }],
        ...AUDIT,
      });
      expect(h.state.routing.logicInstances.get('demo.order')).toMatchObject([{ instanceId: 'logic-1', status: 'up', port: 0, metadata: { a: '1' } }]);
      expect(h.state.routing.signatures.get('demo.order')).not.toBe(before);

      await h.rules.updateRouteRules({ routeRules: [{ serviceId: 'demo.order', name: 'RELEASE', status: 'inactive', strategy: 'weighted-round-robin' }], ...AUDIT });
      expect(h.state.routing.routeRules.has('demo.order')).toBe(false);
      expect(h.rules.getAllRouteRules()).toMatchObject({ routeRules: [{ name: 'release', status: 'inactive' }] });
    });
  });

  it('an inactive canary rule changes the service signature (its canary IPs stop being published)', async () => {
    const canary = (status: string) => h.rules.updateRouteRules({ routeRules: [{ serviceId: 'demo.order', name: 'canary-route-rule', status, strategy: 'weighted-round-robin' }], ...AUDIT });
    expect(h.state.routing.signatures.has('demo.order')).toBe(false);
    await canary('inactive');
    expect(h.state.routing.inactiveCanaryServices.has('demo.order')).toBe(true);
    const inactive = h.state.routing.signatures.get('demo.order');
    expect(inactive).toBeDefined();
    await canary('active');
    expect(h.state.routing.signatures.get('demo.order')).not.toBe(inactive);
  });

  describe('store reads', () => {
    it('filter ignoring case and answer rate-limited with a null list over the group limit', async () => {
      await blueGreen(1, 1);
      expect(await h.groups.getGroups({ name: 'BLUE', zoneId: 'SHA-Z1' })).toMatchObject({ groups: [{ name: 'blue', groupKey: 'demo.order/sha/sha-z1/blue', metadata: null }] });
      expect(await h.rules.getRouteRules({ serviceId: 'Demo.Order' })).toMatchObject({ routeRules: [{ name: 'release' }] });
      expect((await failure(h.groups.getGroups({ name: {} })))[1]).toMatch(new RegExp(`^${GET_GROUPS_FAILED.replace('.', '\\.')} request\\.name`));

      h.limits['get.groups'] = 0;
      conforms(W.GroupsResponseSchema, await h.groups.getGroups({}));
      expect(await h.groups.getGroups({})).toEqual({ groups: null, responseStatus: RATE_LIMITED });
      expect(await h.rules.getRouteRules({})).toMatchObject({ responseStatus: SUCCESS });
    });
  });

  it('answers match the wire schemas of core/wire/management-groups.ts key for key', async () => {
    const { routeRuleId, blue } = await blueGreen(3, 4);
    await h.groups.insertGroupTags({ groupTagsList: [{ groupId: blue, tags: { owner: 'a' } }] });
    await h.groups.operateGroupOperations({ groupOperationsList: [{ groupId: blue, operations: ['pullout'] }], ...AUDIT });
    await h.members.insertGroupInstances({ groupInstances: [{ groupId: blue, instanceId: 'logic-1' }], ...AUDIT });
    await h.members.insertServiceInstances({
      serviceInstances: [{ serviceId: 'demo.order', instanceId: 'logic-1', url: 'http://l', ip: '10.9.9.9', machineName: 'm', protocol: 'http', regionId: 'SHA', zoneId: 'sha-z1', healthCheckUrl: 'http://l/h', groupId: 'blue', metadata: { a: '1' }, description: 'd' }],
      ...AUDIT,
    });
    conforms(W.GroupsResponseSchema, await h.groups.getGroups({}));
    conforms(W.GroupsResponseSchema, h.groups.getAllGroups());
    conforms(W.RouteRulesResponseSchema, await h.rules.getRouteRules({ routeRuleId }));
    conforms(W.RouteRulesResponseSchema, h.rules.getAllRouteRules());
    conforms(W.RouteRuleGroupsResponseSchema, await h.rules.getRouteRuleGroups({}));
    conforms(W.RouteRuleGroupsResponseSchema, h.rules.getAllRouteRuleGroups());
    conforms(W.GroupTagsResponseSchema, await h.groups.getGroupTags({ groupId: blue }));
    conforms(W.GroupTagsResponseSchema, await h.groups.getGroupTags({ groupId: 999 }));
    conforms(W.AllGroupTagsResponseSchema, h.groups.getAllGroupTags());
    conforms(W.GroupOperationsResponseSchema, await h.groups.getGroupOperations({ groupId: blue }));
    conforms(W.AllGroupOperationsResponseSchema, h.groups.getAllGroupOperations());
    conforms(W.GroupInstancesResponseSchema, await h.members.getGroupInstances({}));
    conforms(W.ServiceInstancesResponseSchema, await h.members.getServiceInstances({}));
    expect((h.groups.getAllGroupOperations() as { allGroupOperations: unknown[] }).allGroupOperations).toHaveLength(1);
  });
});

import { ArtemisClientError } from '../client/errors.js';
import { ManagementCallError } from '../client/management.js';
import { managementPath } from '../core/wire/api-paths.js';
import type { Group, RouteRuleGroup, ServiceRouteRule } from '../core/wire/management-groups.js';
import { DEFAULT_WEIGHT, MAX_WEIGHT, MIN_WEIGHT, fixWeight } from '../core/wire/route-rules.js';
import { reason, type Api } from './api.js';
import { CommandError, UsageError, formatTable, printJson, type CommonFlags, type Io, type Values } from './common.js';

/**
 * `artemis group …` and `artemis route-rule …`: operator commands over the group / route-rule
 * management API (`/api/management/group/*.json`). Reads use the unlimited `get-all-…` views of
 * the node's snapshot; writes carry the audit fields (operation, operatorId, token).
 */

const sameId = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Flags of the group writes (pull-out, pull-in). */
export const GROUP_OPERATE_OPTIONS = {
  operator: { type: 'string' },
  operation: { type: 'string' },
  token: { type: 'string' },
} as const;

/** Flags of the route-rule writes (release, set-weight). */
export const ROUTE_RULE_WRITE_OPTIONS = {
  operator: { type: 'string' },
  token: { type: 'string' },
} as const;

/** Token sent when --token is not given: the write API wants a non-blank one. */
const DEFAULT_TOKEN = 'artemis-cli';

/** Help text of the group pull-out/pull-in flags. */
export const GROUP_OPERATE_HELP = `Operation options:
  --operator <name>    who operates, for the audit log   [$USER]
  --operation <label>  operation label                   [pullout]
  --token <token>      audit token                       [${DEFAULT_TOKEN}]
`;

/** Help text of the route-rule write flags. */
export const ROUTE_RULE_WRITE_HELP = `Audit options:
  --operator <name>    who operates, for the audit log   [$USER]
  --token <token>      audit token                       [${DEFAULT_TOKEN}]
`;

interface Audit {
  operatorId: string;
  token: string;
}

function audit(values: Values, env: NodeJS.ProcessEnv): Audit {
  const operatorId = ((values.operator as string | undefined) ?? env.USER ?? env.USERNAME ?? 'artemis-cli').trim();
  const token = ((values.token as string | undefined) ?? DEFAULT_TOKEN).trim();
  if (operatorId === '') throw new UsageError('--operator must not be blank');
  if (token === '') throw new UsageError('--token must not be blank');
  return { operatorId, token };
}

/** A positive integer id from a positional. @throws UsageError otherwise */
function idArg(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`<${name}> must be a positive integer, got ${value}`);
  return n;
}

/** A weight from a positional: an integer within 0..10000. @throws UsageError otherwise */
function weightArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < MIN_WEIGHT || n > MAX_WEIGHT) {
    throw new UsageError(`<weight> must be an integer within ${MIN_WEIGHT}..${MAX_WEIGHT}, got ${value}`);
  }
  return n;
}

// ---- reads ----

type RouteRule = ServiceRouteRule;

/** A management call of the group API: a node without it gets a clear reason; other failures keep the transport's. */
async function groupCall<T>(name: string, call: () => Promise<T>, what?: string): Promise<T> {
  const prefix = what === undefined ? '' : `${what} failed: `;
  try {
    return await call();
  } catch (err) {
    if (err instanceof ManagementCallError) {
      const s = err.responseStatus!;
      throw new CommandError(`${prefix}${s.errorCode}${s.message ? `: ${s.message}` : ''}`);
    }
    if (err instanceof ArtemisClientError && err.httpStatus === 404) {
      throw new CommandError(`the node does not offer group management (HTTP 404 for ${managementPath(`group/${name}`)})`);
    }
    throw new CommandError(`${prefix}${reason(err)}`);
  }
}

async function allGroups(api: Api): Promise<Group[]> {
  return (await groupCall('get-all-groups', () => api.management.getAllGroups())).groups ?? [];
}

async function allRouteRules(api: Api): Promise<RouteRule[]> {
  return (await groupCall('get-all-route-rules', () => api.management.getAllRouteRules())).routeRules ?? [];
}

async function allLinks(api: Api): Promise<RouteRuleGroup[]> {
  return (await groupCall('get-all-route-rule-groups', () => api.management.getAllRouteRuleGroups())).routeRuleGroups ?? [];
}

/** Labels by group id, from `get-all-group-operations`. */
async function allOperations(api: Api): Promise<Map<number, string[]>> {
  const { allGroupOperations } = await groupCall('get-all-group-operations', () => api.management.getAllGroupOperations());
  return new Map(allGroupOperations.map((e) => [e.groupId, e.operations]));
}

/** Tags by group id, from `get-all-group-tags`. */
async function allTags(api: Api): Promise<Map<number, Record<string, string>>> {
  const { allGroupTags } = await groupCall('get-all-group-tags', () => api.management.getAllGroupTags());
  return new Map(allGroupTags.map((e) => [e.groupId, e.tags]));
}

function findRule(rules: RouteRule[], routeRuleId: number): RouteRule {
  const rule = rules.find((r) => r.routeRuleId === routeRuleId);
  if (rule === undefined) throw new CommandError(`no route rule with id ${routeRuleId} (artemis route-rule list <serviceId> shows the ids)`);
  return rule;
}

/** A weight as published: null is the default weight. */
function publishedText(weight: number | null): string {
  return weight === null ? `${DEFAULT_WEIGHT} (default)` : String(weight);
}

function groupKeyOf(groups: Map<number, Group>, groupId: number): string {
  return groups.get(groupId)?.groupKey ?? `group ${groupId} (deleted)`;
}

// ---- commands ----

/** `artemis group list <serviceId>`: the groups of a service with their operations and tags. */
export async function groupList(api: Api, flags: CommonFlags, io: Io, serviceId: string): Promise<number> {
  const [groups, operations, tags] = await Promise.all([allGroups(api), allOperations(api), allTags(api)]);
  const mine = groups.filter((g) => sameId(g.serviceId, serviceId)).sort((a, b) => a.groupId - b.groupId);
  if (flags.json) {
    printJson(io, mine.map((g) => ({ ...g, operations: operations.get(g.groupId) ?? [], tags: tags.get(g.groupId) ?? {} })));
    return 0;
  }
  if (mine.length === 0) {
    io.out(`no groups of ${serviceId}\n`);
    return 0;
  }
  const tagText = (t: Record<string, string> | undefined) =>
    Object.entries(t ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
  const rows = mine.map((g) => [g.groupId, g.groupKey, g.appId, g.status, (operations.get(g.groupId) ?? []).join(','), tagText(tags.get(g.groupId))]);
  io.out(formatTable(['ID', 'GROUP KEY', 'APP', 'STATUS', 'OPERATIONS', 'TAGS'], rows));
  return 0;
}

/** `artemis group pull-out|pull-in <groupId>`: adds or completes an operation on a group. */
export async function operateGroup(pullIn: boolean, api: Api, flags: CommonFlags, io: Io, groupIdText: string, values: Values, env: NodeJS.ProcessEnv): Promise<number> {
  const groupId = idArg('groupId', groupIdText);
  const operation = ((values.operation as string | undefined) ?? 'pullout').trim();
  if (operation === '') throw new UsageError('--operation must not be blank');
  const a = audit(values, env);
  const [groups, operations] = await Promise.all([allGroups(api), allOperations(api)]);
  const group = groups.find((g) => g.groupId === groupId);
  // a pull-in may complete an operation left on a group deleted since
  if (group === undefined && !(pullIn && operations.has(groupId))) {
    throw new CommandError(`no group with id ${groupId} (artemis group list <serviceId> shows the ids)`);
  }
  const current = operations.get(groupId) ?? [];
  if (pullIn && !current.includes(operation)) {
    const held = current.length === 0 ? 'no operation' : `only ${current.join(', ')} (use --operation)`;
    throw new CommandError(`group ${groupId} is not pulled out with operation ${operation}: it holds ${held}`);
  }
  const body = {
    groupOperationsList: [{ groupId, operations: [operation] }],
    operationComplete: pullIn,
    operation,
    operatorId: a.operatorId,
    token: a.token,
  };
  const answer = await groupCall('operate-group-operations', () => api.management.operateGroupOperations(body), pullIn ? 'pull-in' : 'pull-out');
  if (flags.json) printJson(io, answer);
  else io.out(`${pullIn ? 'pulled in' : 'pulled out'} group ${groupId} ${group?.groupKey ?? '(deleted)'} (operation ${operation}, operator ${a.operatorId})\n`);
  return 0;
}

/** One rule with its links, as `route-rule list --json` prints it. */
interface RuleView {
  routeRuleId: number;
  serviceId: string;
  name: string;
  status: string;
  strategy: string;
  description: string | null;
  groups: Array<{
    groupId: number;
    groupKey: string;
    routeRuleGroupId: number | null;
    /** `unreleasedWeight`: what the next release publishes. */
    pendingWeight: number | null;
    /** `weight`: what is published; null until the first release. */
    publishedWeight: number | null;
    /** The weight discovery uses (null published → 5). */
    effectiveWeight: number;
    /** Whether the pending weight differs from the published one. */
    unreleased: boolean;
  }>;
}

function ruleView(rule: RouteRule, links: RouteRuleGroup[], groups: Map<number, Group>): RuleView {
  const { routeRuleId, serviceId, name, status, strategy, description } = rule;
  return {
    routeRuleId,
    serviceId,
    name,
    status,
    strategy,
    description,
    groups: links
      .filter((l) => l.routeRuleId === rule.routeRuleId)
      .sort((a, b) => a.groupId - b.groupId)
      .map((l) => ({
        groupId: l.groupId,
        groupKey: groupKeyOf(groups, l.groupId),
        routeRuleGroupId: l.routeRuleGroupId,
        pendingWeight: l.unreleasedWeight,
        publishedWeight: l.weight,
        effectiveWeight: fixWeight(l.weight),
        unreleased: l.unreleasedWeight !== l.weight,
      })),
  };
}

async function routing(api: Api): Promise<{ rules: RouteRule[]; links: RouteRuleGroup[]; groups: Map<number, Group> }> {
  const [rules, links, groups] = await Promise.all([allRouteRules(api), allLinks(api), allGroups(api)]);
  return { rules, links, groups: new Map(groups.map((g) => [g.groupId, g])) };
}

/** `artemis route-rule list <serviceId>`: rules of a service with pending and published weights. */
export async function routeRuleList(api: Api, flags: CommonFlags, io: Io, serviceId: string): Promise<number> {
  const { rules, links, groups } = await routing(api);
  const views = rules
    .filter((r) => sameId(r.serviceId, serviceId))
    .sort((a, b) => a.routeRuleId - b.routeRuleId)
    .map((r) => ruleView(r, links, groups));
  if (flags.json) {
    printJson(io, { serviceId, routeRules: views });
    return 0;
  }
  if (views.length === 0) {
    io.out(`no route rules of ${serviceId}\n`);
    return 0;
  }
  io.out(
    views
      .map((v) => {
        const head = `route rule ${v.name} (id ${v.routeRuleId})  status ${v.status || '-'}  strategy ${v.strategy || '-'}\n`;
        if (v.groups.length === 0) return `${head}  no groups\n`;
        const rows = v.groups.map((g) => [g.groupId, g.groupKey, g.pendingWeight, publishedText(g.publishedWeight), g.unreleased ? '* unreleased' : '']);
        const hint = v.groups.some((g) => g.unreleased) ? `* pending differs from published: artemis route-rule release ${v.routeRuleId}\n` : '';
        return `${head}${formatTable(['GROUP', 'GROUP KEY', 'PENDING', 'PUBLISHED', ''], rows)}${hint}`;
      })
      .join('\n'),
  );
  return 0;
}

/** `artemis route-rule release <routeRuleId>`: publishes the pending weight of every link of the rule. */
export async function routeRuleRelease(api: Api, flags: CommonFlags, io: Io, routeRuleIdText: string, values: Values, env: NodeJS.ProcessEnv): Promise<number> {
  const routeRuleId = idArg('routeRuleId', routeRuleIdText);
  const a = audit(values, env);
  const { rules, links, groups } = await routing(api);
  const rule = findRule(rules, routeRuleId);
  const view = ruleView(rule, links, groups);
  if (view.groups.length === 0) throw new CommandError(`route rule ${rule.name} (id ${routeRuleId}) has no groups to release`);
  const body = {
    routeRuleGroups: view.groups.map((g) => ({ routeRuleId, groupId: g.groupId, unreleasedWeight: g.pendingWeight })),
    operation: 'release',
    operatorId: a.operatorId,
    token: a.token,
  };
  await groupCall('release-route-rule-groups', () => api.management.releaseRouteRuleGroups(body), 'release');
  const released = view.groups.map((g) => ({ groupId: g.groupId, groupKey: g.groupKey, from: g.publishedWeight, to: g.pendingWeight }));
  if (flags.json) printJson(io, { routeRuleId, name: rule.name, released });
  else for (const r of released) io.out(`${r.groupKey}: ${publishedText(r.from)} -> ${publishedText(r.to)}\n`);
  return 0;
}

/** `artemis route-rule set-weight <routeRuleId> <groupId> <weight>`: sets the pending weight of one link. */
export async function routeRuleSetWeight(api: Api, flags: CommonFlags, io: Io, positionals: string[], values: Values, env: NodeJS.ProcessEnv): Promise<number> {
  const [ruleText, groupText, weightText] = positionals as [string, string, string];
  const routeRuleId = idArg('routeRuleId', ruleText);
  const groupId = idArg('groupId', groupText);
  const weight = weightArg(weightText);
  const a = audit(values, env);
  const { rules, links, groups } = await routing(api);
  const rule = findRule(rules, routeRuleId);
  const view = ruleView(rule, links, groups);
  const link = view.groups.find((g) => g.groupId === groupId);
  if (link === undefined) {
    const linked = view.groups.map((g) => g.groupId).join(', ');
    throw new CommandError(`group ${groupId} is not linked to route rule ${rule.name} (id ${routeRuleId}); linked groups: ${linked || 'none'}`);
  }
  const body = {
    routeRuleGroups: [{ routeRuleId, groupId, unreleasedWeight: weight }],
    operation: 'set-weight',
    operatorId: a.operatorId,
    token: a.token,
  };
  await groupCall('update-route-rule-groups', () => api.management.updateRouteRuleGroups(body), 'set-weight');
  if (flags.json) {
    printJson(io, { routeRuleId, groupId, groupKey: link.groupKey, pendingWeight: weight, publishedWeight: link.publishedWeight });
    return 0;
  }
  io.out(`${link.groupKey}: pending weight set to ${weight} (published ${publishedText(link.publishedWeight)})\n`);
  io.out(`pending weight set; run \`artemis route-rule release ${routeRuleId}\` to publish\n`);
  return 0;
}

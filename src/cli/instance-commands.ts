import { makeInstance, type Instance } from '../core/wire/instance.js';
import { prop } from '../client/http.js';
import { readFailedInstances } from '../client/wire.js';
import { ArtemisClientError } from '../client/errors.js';
import { ManagementCallError } from '../client/management.js';
import { managementPath } from '../core/wire/api-paths.js';
import { reason, type Api } from './api.js';
import { CommandError, UsageError, printJson, required, type CommonFlags, type Io, type Values } from './common.js';

/** Flags that describe one instance (register, heartbeat, unregister, pull-out, pull-in). */
export const INSTANCE_OPTIONS = {
  service: { type: 'string' },
  'instance-id': { type: 'string' },
  'instance-url': { type: 'string' },
  ip: { type: 'string' },
  port: { type: 'string' },
  status: { type: 'string' },
  protocol: { type: 'string' },
  group: { type: 'string' },
  'health-check-url': { type: 'string' },
  'machine-name': { type: 'string' },
  metadata: { type: 'string', multiple: true },
  operator: { type: 'string' },
  operation: { type: 'string' },
} as const;

/** Help text of the instance flags. */
export const INSTANCE_HELP = `Instance options:
  --service <id>            service id (required)
  --instance-id <id>        instance id (required)
  --instance-url <url>      the address callers use (required for register, heartbeat, unregister)
  --ip <ip>  --port <n>  --status <up|down|...>  --protocol <p>  --group <id>
  --health-check-url <url>  --machine-name <name>  --metadata <key=value> (repeatable)
`;

/** Help text of the pull-out/pull-in flags. */
export const OPERATE_HELP = `Operation options (pull-out, pull-in):
  --service <id>  --instance-id <id>   the instance (required)
  --operator <name>                    who operates, for the audit log   [$USER]
  --operation <label>                  operation label                   [pullout]
`;

function metadata(values: Values): Record<string, string> | null {
  const items = (values.metadata as string[] | undefined) ?? [];
  if (items.length === 0) return null;
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--metadata ${item}: expected key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function port(values: Values): number {
  if (values.port === undefined) return 0;
  const n = Number(values.port);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`--port must be 0..65535, got ${String(values.port)}`);
  return n;
}

/** The instance the flags describe; the instance URL comes from `--instance-url`. */
export function instanceFromFlags(values: Values, regionId: string, zoneId: string): Instance {
  const str = (name: string) => (typeof values[name] === 'string' ? values[name] : null);
  return makeInstance({
    regionId,
    zoneId,
    serviceId: required(values, 'service'),
    instanceId: required(values, 'instance-id'),
    url: required(values, 'instance-url'),
    ip: str('ip'),
    port: port(values),
    status: str('status'),
    protocol: str('protocol'),
    groupId: str('group'),
    healthCheckUrl: str('health-check-url'),
    machineName: str('machine-name'),
    metadata: metadata(values),
  });
}

const DONE: Record<string, string> = { register: 'registered', heartbeat: 'renewed', unregister: 'unregistered' };

/**
 * Whether the node holds the instance, pulled out or not (the management view of the service);
 * null when the node cannot tell (no management view, e.g. a Java node).
 */
export async function isRegistered(api: Api, serviceId: string, instanceId: string): Promise<boolean | null> {
  try {
    const answer = await api.call(managementPath('service'), { serviceId });
    if (answer.responseStatus?.status !== 'success') return null;
    const service = prop(answer.body, 'service') as Record<string, unknown> | null | undefined;
    const instances = service === null || service === undefined ? [] : prop(service, 'instances');
    if (!Array.isArray(instances)) return false;
    const wanted = instanceId.toLowerCase();
    return instances.some((i) => {
      const id = prop(i as Record<string, unknown>, 'instanceId');
      return typeof id === 'string' && id.toLowerCase() === wanted;
    });
  } catch {
    return null;
  }
}

function warnUnknown(io: Io, serviceId: string, instanceId: string, what: string): void {
  io.err(`artemis: warning: ${serviceId}/${instanceId} is not registered on the node; ${what}\n`);
}

/** `artemis instance register|heartbeat|unregister`: one registry call for one instance. */
export async function registryOperation(op: 'register' | 'heartbeat' | 'unregister', api: Api, flags: CommonFlags, io: Io, values: Values): Promise<number> {
  const zone = await api.callerZone();
  const instance = instanceFromFlags(values, zone.regionId, zone.zoneId);
  // Unregistering an unknown instance succeeds (as in Java): say so instead of claiming it.
  const serviceId = required(values, 'service');
  const instanceId = required(values, 'instance-id');
  if (op === 'unregister' && (await isRegistered(api, serviceId, instanceId)) === false) warnUnknown(io, serviceId, instanceId, 'nothing to unregister');
  const answer = await api.call(`/api/registry/${op}.json`, { instances: [instance] });
  const status = answer.responseStatus;
  const failed = readFailedInstances(answer.body);
  if (flags.json) printJson(io, answer.body);
  if (status?.status === 'success') {
    if (!flags.json) io.out(`${DONE[op]} ${instance.serviceId}/${instance.instanceId} on ${answer.node}\n`);
    return 0;
  }
  const why = failed[0] ? `${failed[0].errorCode}: ${failed[0].errorMessage ?? ''}` : `${status?.errorCode ?? 'failed'}: ${status?.message ?? ''}`;
  throw new CommandError(`${op} failed: ${why.trim()}`);
}

/** `artemis instance pull-out|pull-in`: adds or completes a management operation on one instance. */
export async function operateInstance(pullIn: boolean, api: Api, flags: CommonFlags, io: Io, values: Values, env: NodeJS.ProcessEnv): Promise<number> {
  const { regionId } = await api.callerZone();
  const serviceId = required(values, 'service');
  const instanceId = required(values, 'instance-id');
  const operatorId = (values.operator as string | undefined) ?? env.USER ?? env.USERNAME ?? 'artemis-cli';
  const operation = (values.operation as string | undefined) ?? 'pullout';
  // The operation is stored for any instance key (as in Java); an unknown one is most likely a typo.
  if ((await isRegistered(api, serviceId, instanceId)) === false) {
    warnUnknown(io, serviceId, instanceId, `the operation is stored and applies if it registers`);
  }
  const what = pullIn ? 'pull-in' : 'pull-out';
  let answer: object;
  try {
    answer = await api.management.operateInstance({ instanceKey: { regionId, serviceId, instanceId }, operation, operationComplete: pullIn, operatorId, token: '' });
  } catch (err) {
    if (err instanceof ManagementCallError) {
      if (flags.json) printJson(io, err.body);
      throw new CommandError(`${what} failed: ${err.responseStatus?.errorCode ?? ''}: ${err.responseStatus?.message ?? ''}`);
    }
    if (err instanceof ArtemisClientError && err.httpStatus === 404) {
      throw new CommandError(`the node does not offer instance operations (HTTP 404 for ${managementPath('operate-instance')})`);
    }
    throw new CommandError(reason(err));
  }
  if (flags.json) printJson(io, answer);
  else io.out(`${pullIn ? 'pulled in' : 'pulled out'} ${serviceId}/${instanceId} (operation ${operation}, operator ${operatorId})\n`);
  return 0;
}

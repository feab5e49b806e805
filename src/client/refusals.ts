import { ErrorCodes } from '../core/error-codes.js';
import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { FailedInstance } from '../core/wire/registry-messages.js';
import { ArtemisClientError } from './errors.js';
import type { ClientRuntime } from './runtime.js';
import { prop } from './http.js';
import { readService } from './wire.js';

/** What to do about a `no-permission` answer: the instance's region and zone are not the node's. */
export const REGION_HINT =
  'the node accepts only instances of its own region and zone: set regionId and zoneId in the client options (both default to "default") or on the instance to the node\'s (artemis status shows them)';

/** The error of a register call the node refused for some or all instances, with the fix for `no-permission`. */
export function refusal(node: string, failed: readonly FailedInstance[]): ArtemisClientError {
  const reasons = failed.map((f) => `${f.errorCode}: ${f.errorMessage ?? ''}`.trim());
  const forbidden = failed.some((f) => f.errorCode === ErrorCodes.noPermission);
  const message = `${node}: register refused ${failed.length} instance(s): ${reasons.join('; ')}${forbidden ? `; ${REGION_HINT}` : ''}`;
  return new ArtemisClientError(failed[0]?.errorCode ?? ErrorCodes.unknown, message, { node });
}

/** The key an instance of `ref` has, for messages. */
function display(ref: Pick<Instance, 'serviceId' | 'instanceId'>): string {
  return `${ref.serviceId ?? ''}/${ref.instanceId ?? ''}`;
}

/**
 * The whole instances of `refs` as the node's discovery answer has them (the registry wants the
 * instance's url even to unregister it); those it does not have as `data-not-found` failures.
 */
export async function lookUp(
  runtime: ClientRuntime,
  refs: ReadonlyArray<Pick<Instance, 'serviceId' | 'instanceId'> & { regionId?: string | null; zoneId?: string | null }>,
): Promise<{ found: Instance[]; missing: FailedInstance[] }> {
  const found: Instance[] = [];
  const missing: FailedInstance[] = [];
  const { regionId, zoneId } = runtime.options;
  const byService = new Map<string, typeof refs[number][]>();
  for (const ref of refs) {
    const id = ref.serviceId!.toLowerCase();
    byService.set(id, [...(byService.get(id) ?? []), ref]);
  }
  for (const group of byService.values()) {
    const first = group[0]!;
    const query = new URLSearchParams({ serviceId: first.serviceId!, regionId: first.regionId ?? regionId, zoneId: first.zoneId ?? zoneId });
    const answer = await runtime.http.request({ method: 'GET', path: `/api/discovery/service.json?${query.toString()}` });
    const service = answer.responseStatus?.status === 'success' ? readService(prop(answer.body, 'service') ?? { serviceId: first.serviceId }, first.serviceId!) : null;
    const have = new Map((service?.instances ?? []).map((i) => [instanceKey(i), i]));
    for (const ref of group) {
      const inst = have.get(instanceKey({ regionId: ref.regionId ?? regionId, serviceId: ref.serviceId, instanceId: ref.instanceId }));
      if (inst !== undefined) found.push(inst);
      else missing.push({ errorCode: ErrorCodes.dataNotFound, errorMessage: `${display(ref)}: not registered by this client, and ${answer.node} has no such instance`, instance: null });
    }
  }
  return { found, missing };
}

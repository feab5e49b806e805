import { BadRequestError, RegistryError } from '../core/errors.js';
import { ErrorCodes } from '../core/error-codes.js';
import { serviceKey } from '../core/wire/instance.js';
import { readString, type JsonObject } from '../core/wire/json-reader.js';
import type { CanaryRow, LogFields, WriteBatch } from '../store/management-store.js';
import { UPDATE_CANARY_IPS_FAILED, CANARY_IPS_NULL } from './failures.js';
import type { ManagementState } from './management-state.js';
import { blank, checkLengths, list, prop, requireFields, str } from './requests.js';

export interface CanaryLimits {
  maxFieldLength: number;
  maxCanaryIps: number;
}

/** The reference fails a canary update that lacks its audit fields with this code and text. */
class AuditCheckFailed extends RegistryError {
  constructor() {
    super(ErrorCodes.internalServiceError, UPDATE_CANARY_IPS_FAILED);
  }
}

/**
 * Builds the write of `canary/update-canary-ips.json`: the service's canary IPs for one app become
 * exactly the given set (duplicates collapsed), with a group-instance log row for every IP removed
 * or added. Validated whole before anything is written.
 */
export function canaryBatch(req: JsonObject, regionId: string, state: ManagementState, limits: CanaryLimits): WriteBatch {
  const serviceId = str(req, 'serviceId');
  const appId = str(req, 'appId');
  requireFields([['serviceId', serviceId], ['appId', appId]]);
  const audit = { operation: str(req, 'operation'), operatorId: str(req, 'operatorId'), token: str(req, 'token'), reason: str(req, 'reason') };
  if (blank(audit.operation) || blank(audit.operatorId) || blank(audit.token) || prop(req, 'extensions') === null) throw new AuditCheckFailed();
  const raw = list(req, 'canaryIps');
  if (raw === null) throw new BadRequestError(CANARY_IPS_NULL);
  if (raw.length > limits.maxCanaryIps) {
    throw new BadRequestError(`canaryIps holds ${raw.length} entries; the limit is ${limits.maxCanaryIps} (limits.maxCanaryIps)`);
  }
  const ips = [...new Set(raw.map((v, i) => (readString(v, `request.canaryIps[${i}]`) ?? '').trim()).filter((ip) => ip !== ''))];
  checkLengths([['serviceId', serviceId], ['appId', appId], ...Object.entries(audit), ...ips.map((ip): [string, string] => ['canaryIps[]', ip])], limits.maxFieldLength);
  const row: CanaryRow = { serviceId: serviceId as string, appId: appId as string, regionId, ips };
  const previous = state.canaries.get(serviceKey(row.serviceId))?.find((c) => c.appId.toLowerCase() === row.appId.toLowerCase())?.ips ?? [];
  // Canary IP sets are not group records and have no numeric group id; their log rows carry 0
  // (the log's groupId is a number for every reader) and otherwise the fields of a membership log.
  const log = (instanceId: string): { table: 'group-instance'; fields: LogFields } => ({
    table: 'group-instance',
    fields: { groupId: 0, instanceId, operation: audit.operation, operatorId: audit.operatorId, token: audit.token, reason: audit.reason ?? '' },
  });
  const logs = [...previous.filter((ip) => !ips.includes(ip)), ...ips.filter((ip) => !previous.includes(ip))].map(log);
  return { canary: [row], logs };
}

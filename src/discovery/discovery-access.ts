import { ErrorCodes } from '../core/error-codes.js';
import { failStatus, type ResponseStatus } from '../core/response-status.js';
import { canServeDiscovery, nodeStatusText } from '../core/wire/cluster.js';
import { isBlank } from '../core/wire/json-reader.js';
import { RegistryFailures, type NodeGate } from '../registry/registry-service.js';
import { DiscoveryFailures } from './discovery-messages.js';

/** `service-unavailable` while this node cannot serve discovery; null when it can. */
export function discoveryGate(node: NodeGate): ResponseStatus | null {
  const status = node.status;
  if (canServeDiscovery(status)) return null;
  return failStatus(ErrorCodes.serviceUnavailable, `${DiscoveryFailures.notUp}${nodeStatusText(status)}`);
}

function sameIgnoringCase(a: string | null, b: string): boolean {
  // callers mostly spell it as the node does: no lower-casing then
  if (a === b) return !isBlank(a);
  return !isBlank(a) && a!.toLowerCase() === b.toLowerCase();
}

/** `no-permission` when the caller's region is blank or not the node's region. */
export function regionProblem(node: NodeGate, regionId: string | null): ResponseStatus | null {
  if (sameIgnoringCase(regionId, node.regionId)) return null;
  return failStatus(
    ErrorCodes.noPermission,
    `${RegistryFailures.regionMismatch} regionId: ${String(regionId)}, registry node.regionId: ${node.regionId}`,
  );
}

/** Region check, then the zone check unless the node allows discovery from other zones. */
export function zoneProblem(node: NodeGate, regionId: string | null, zoneId: string | null): ResponseStatus | null {
  const region = regionProblem(node, regionId);
  if (region !== null) return region;
  if (node.status.allowDiscoveryFromOtherZone === true || sameIgnoringCase(zoneId, node.zoneId)) return null;
  return failStatus(
    ErrorCodes.noPermission,
    `${RegistryFailures.zoneMismatch} zoneId: ${String(zoneId)}, registry node.zoneId: ${node.zoneId}`,
  );
}

import { ErrorCodes } from '../core/error-codes.js';
import { failStatus, type ResponseStatus } from '../core/response-status.js';
import { readArray, readInteger, readObject, readString, type JsonObject } from '../core/wire/json-reader.js';
import { readDiscoveryConfig, type DiscoveryConfig } from '../core/wire/service.js';

/** The caller's region and zone, as GetServicesRequest and replication GetServicesRequest carry them. */
export interface ZoneRequest {
  regionId: string | null;
  zoneId: string | null;
}

export interface LookupRequest extends ZoneRequest {
  discoveryConfigs: (DiscoveryConfig | null)[] | null;
}

export interface GetServiceRequest extends ZoneRequest {
  discoveryConfig: DiscoveryConfig | null;
}

export interface GetServicesDeltaRequest extends ZoneRequest {
  version: number;
}

/** Properties of a JSON object by lower-cased name (Jackson matches names ignoring case). */
function lowerKeys(raw: JsonObject): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const key of Object.keys(raw)) out.set(key.toLowerCase(), raw[key]);
  return out;
}

function zoneOf(p: Map<string, unknown>): ZoneRequest {
  return { regionId: readString(p.get('regionid'), 'request.regionId'), zoneId: readString(p.get('zoneid'), 'request.zoneId') };
}

/** @throws BadRequestError (400) on a body of the wrong shape */
export function readZoneRequest(value: unknown): ZoneRequest | null {
  const raw = readObject(value, 'request');
  return raw === null ? null : zoneOf(lowerKeys(raw));
}

export function readLookupRequest(value: unknown): LookupRequest | null {
  const raw = readObject(value, 'request');
  if (raw === null) return null;
  const p = lowerKeys(raw);
  const list = readArray(p.get('discoveryconfigs'), 'request.discoveryConfigs');
  const discoveryConfigs = list === null ? null : list.map((v, i) => readDiscoveryConfig(v, `request.discoveryConfigs[${i}]`));
  return { discoveryConfigs, ...zoneOf(p) };
}

export function readGetServiceRequest(value: unknown): GetServiceRequest | null {
  const raw = readObject(value, 'request');
  if (raw === null) return null;
  const p = lowerKeys(raw);
  return { discoveryConfig: readDiscoveryConfig(p.get('discoveryconfig'), 'request.discoveryConfig'), ...zoneOf(p) };
}

export function readGetServicesDeltaRequest(value: unknown): GetServicesDeltaRequest | null {
  const raw = readObject(value, 'request');
  if (raw === null) return null;
  const p = lowerKeys(raw);
  return { version: readInteger(p.get('version'), 'request.version'), ...zoneOf(p) };
}

/** Failure texts of the discovery endpoints (responseStatus.message). */
export const DiscoveryFailures = {
  notUp: 'Serivce discovery is not in up state. Current status: ',
  serviceRequestNull: 'Request is null or request.discoveryConfig is null.',
  deltaNotFound: 'Delta is not found.',
} as const;

/** What the reference answers when a request it dereferences is null (a NullPointerException). */
export const NULL_REQUEST_STATUS: ResponseStatus = Object.freeze(failStatus(ErrorCodes.internalServiceError, null));

/** LookupResponse and replication GetServicesResponse share this shape. */
export const listFailureJson = (s: ResponseStatus) => JSON.stringify({ responseStatus: s, services: null });
export const serviceFailureJson = (s: ResponseStatus) => JSON.stringify({ responseStatus: s, service: null });
export const servicesFailureJson = (s: ResponseStatus) => JSON.stringify({ responseStatus: s, services: null, version: 0 });
export const deltaFailureJson = (s: ResponseStatus) => JSON.stringify({ delta: null, responseStatus: s, version: 0 });

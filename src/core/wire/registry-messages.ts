import type { ResponseStatus } from '../response-status.js';
import { readInstance, type Instance } from './instance.js';
import { BadRequestError } from '../errors.js';
import { readArray, readObject } from './json-reader.js';

/** RegisterRequest, HeartbeatRequest and UnregisterRequest share this shape. */
export interface RegistryRequest {
  instances: (Instance | null)[] | null;
}
export type RegisterRequest = RegistryRequest;
export type HeartbeatRequest = RegistryRequest;
export type UnregisterRequest = RegistryRequest;

export interface FailedInstance {
  errorCode: string;
  errorMessage: string | null;
  instance: Instance | null;
}

/** RegisterResponse, HeartbeatResponse and UnregisterResponse share this shape. */
export interface RegistryResponse {
  failedInstances: FailedInstance[] | null;
  responseStatus: ResponseStatus;
}
export type RegisterResponse = RegistryResponse;
export type HeartbeatResponse = RegistryResponse;
export type UnregisterResponse = RegistryResponse;

/**
 * Reads a registry request body. `maxInstances` is checked before any instance is parsed so an
 * oversized batch costs no per-instance work. A `null` body means "request is null".
 * @throws BadRequestError on a wrong shape or a batch over the limit
 */
export function readRegistryRequest(value: unknown, maxInstances: number): RegistryRequest | null {
  const raw = readObject(value, 'request');
  if (raw === null) return null;
  let instancesValue: unknown;
  for (const key of Object.keys(raw)) if (key === 'instances' || key.toLowerCase() === 'instances') instancesValue = raw[key];
  const arr = readArray(instancesValue, 'request.instances');
  if (arr === null) return { instances: null };
  if (arr.length > maxInstances) {
    throw new BadRequestError(
      `request.instances has ${arr.length} entries; the limit is ${maxInstances} (limits.maxInstancesPerRequest).`,
      { limit: 'limits.maxInstancesPerRequest' },
    );
  }
  const instances: (Instance | null)[] = new Array<Instance | null>(arr.length);
  for (let i = 0; i < arr.length; i++) instances[i] = readInstance(arr[i], instancePath(i));
  return { instances };
}

/** `request.instances[i]`, the path error texts name an entry by; made once for the first entries. */
const INSTANCE_PATHS: string[] = [];
function instancePath(i: number): string {
  if (i >= 1_024) return `request.instances[${i}]`;
  return (INSTANCE_PATHS[i] ??= `request.instances[${i}]`);
}

export function registryResponse(responseStatus: ResponseStatus, failedInstances: FailedInstance[] | null = null): RegistryResponse {
  return { failedInstances, responseStatus };
}


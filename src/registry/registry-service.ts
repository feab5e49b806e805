import { randomUUID } from 'node:crypto';
import { ErrorCodes, type ErrorCode } from '../core/error-codes.js';
import { BadRequestError, RegistryError } from '../core/errors.js';
import { canServeRegistry, nodeStatusText } from '../core/wire/cluster.js';
import { instanceDisplay, instanceKey, type Instance } from '../core/wire/instance.js';
import { isBlank } from '../core/wire/json-reader.js';
import {
  readRegistryRequest,
  registryResponse,
  type FailedInstance,
  type RegistryResponse,
} from '../core/wire/registry-messages.js';
import { PARTIAL_FAIL, RATE_LIMITED, SUCCESS, failStatus, toResponseStatus, type UnexpectedErrorSink } from '../core/response-status.js';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import { isStamp } from '../lease/hybrid-clock.js';
import type { RegistryRepository } from './registry-repository.js';
import type { RegistryCapacity } from './capacity.js';
import { checkInstanceLimits, type InstanceLimits } from './instance-limits.js';

export type RegistryOperation = 'register' | 'heartbeat' | 'unregister';

/**
 * Called after each instance an operation applied successfully (replication hooks in here), with
 * the order stamp of the registration it concerns (for an unregistration: its own).
 */
export type AppliedListener = (operation: RegistryOperation, instance: Instance, stamp: number) => void;

/**
 * Order stamps of a replicated batch: `stamps` beside `instances` in the request body, one per
 * instance (null or missing where unknown). Java peers send none and ignore them.
 */
export function readStamps(body: unknown): ReadonlyArray<unknown> | null {
  const stamps = body !== null && typeof body === 'object' ? (body as { stamps?: unknown }).stamps : undefined;
  return Array.isArray(stamps) ? stamps : null;
}

/** What the registry needs to know of its node: its region, zone and live status. */
export interface NodeGate {
  readonly status: ServiceNodeStatus;
  readonly regionId: string;
  readonly zoneId: string;
}

export interface RegistryServiceDeps {
  repository: RegistryRepository;
  node: NodeGate;
  limiter: RateLimiter;
  limits: InstanceLimits;
  onUnexpected: UnexpectedErrorSink;
  onInstanceResult?: (operation: RegistryOperation, result: string) => void;
  /** Limiter of the peer replication endpoints (`artemis.service.registry.replication`). */
  replicationLimiter?: RateLimiter;
  /** True while the node works off requests that waited through a stall of its event loop. */
  resuming?: () => boolean;
  /** Bounds of what client registrations may make the registry hold; none when absent. */
  capacity?: RegistryCapacity;
  /** Told each refusal by a resource limit (a request, or one instance of it), by the limit's config key. */
  onLimitRefused?: (limit: string) => void;
}

/** Shared answer for a fully successful request; its JSON is serialised once. */
export const SUCCESS_RESPONSE: RegistryResponse = Object.freeze(registryResponse(SUCCESS));
export const SUCCESS_RESPONSE_JSON = Buffer.from(JSON.stringify(SUCCESS_RESPONSE));
/** The answer to a caller over its per-client rate limit, serialised once. */
export const RATE_LIMITED_RESPONSE_JSON = JSON.stringify(registryResponse(RATE_LIMITED));

/** Failure texts of the registry operations (reason of a failed instance, or responseStatus.message). */
export const RegistryFailures = {
  instanceNotFound: 'Instance is not exising! Need re-register.',
  notUp: 'Serivce registry is not in up state. Current status: ',
  regionMismatch: 'regionId is not the same as the registry node.',
  zoneMismatch: 'zoneId is not the same as the registry node.',
  requestNull: 'request is null',
  instancesEmpty: 'request.instances is null or empty.',
  resuming: 'The node is resuming from a stall; the request waited through it. Try again.',
} as const;
const F = RegistryFailures;

class InstanceFailure {
  constructor(
    readonly errorCode: ErrorCode,
    readonly reason: string,
  ) {}
}

/**
 * The client-facing register / heartbeat / unregister pipeline (HTTP and WebSocket share it):
 * rate limit, request check, node gate, per-instance region/zone checks, the operation, and
 * per-instance failures reported as `partial_fail`.
 */
export class RegistryService {
  private readonly applied: AppliedListener[] = [];

  constructor(private readonly deps: RegistryServiceDeps) {}

  onApplied(listener: AppliedListener): void {
    this.applied.push(listener);
  }

  /**
   * Handles one request body (already JSON-parsed); every failure becomes a response. With
   * `rethrowHttpErrors`, errors that HTTP answers with a 4xx status (a body of the wrong shape)
   * are thrown instead, for the web layer's error mapper. `client` is the caller's address, for
   * the per-client capacity limits (null: not counted per client).
   */
  handle(operation: RegistryOperation, body: unknown, rethrowHttpErrors = false, client: string | null = null): RegistryResponse {
    if (!this.deps.limiter.tryAcquire(operation)) return registryResponse(RATE_LIMITED);
    try {
      return this.process(operation, body, false, client);
    } catch (err) {
      return this.failed(err, rethrowHttpErrors);
    }
  }

  /**
   * The replication pipeline (spec 3.4) for writes a peer forwarded: its own limiter, no node
   * gate, region check only; a heartbeat for a missing lease registers the carried instance.
   * Applied writes are never announced to `onApplied` listeners, so they are not forwarded again.
   */
  handleReplicated(operation: RegistryOperation, body: unknown, rethrowHttpErrors = false): RegistryResponse {
    const limiter = this.deps.replicationLimiter ?? this.deps.limiter;
    if (!limiter.tryAcquire(operation)) return registryResponse(RATE_LIMITED);
    try {
      return this.process(operation, body, true);
    } catch (err) {
      return this.failed(err, rethrowHttpErrors);
    }
  }

  /** The answer to a failed request; errors HTTP answers with a 4xx are thrown with `rethrow` (the web layer counts their limits). */
  private failed(err: unknown, rethrow: boolean): RegistryResponse {
    if (err instanceof RegistryError) {
      if (rethrow && err.httpStatus >= 400) throw err;
      if (err.limit !== undefined) this.deps.onLimitRefused?.(err.limit);
    }
    return registryResponse(toResponseStatus(err, this.deps.onUnexpected));
  }

  private process(operation: RegistryOperation, body: unknown, replicated = false, client: string | null = null): RegistryResponse {
    const request = readRegistryRequest(body, this.deps.limits.maxInstancesPerRequest);
    if (request === null) throw new BadRequestError(F.requestNull);
    const instances = request.instances;
    if (instances === null || instances.length === 0) throw new BadRequestError(F.instancesEmpty);
    const status = this.deps.node.status;
    if (!replicated && this.deps.resuming?.() === true) return registryResponse(failStatus(ErrorCodes.serviceUnavailable, F.resuming));
    if (!replicated && !canServeRegistry(status)) {
      return registryResponse(
        failStatus(ErrorCodes.serviceUnavailable, `${F.notUp}${nodeStatusText(status)}`),
      );
    }
    const stamps = replicated ? readStamps(body) : null;
    let failed: FailedInstance[] | null = null;
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i];
      if (instance === null || instance === undefined) continue;
      const stamp = stamps?.[i];
      const failure = this.apply(operation, instance, replicated, isStamp(stamp) ? stamp : undefined, client);
      this.deps.onInstanceResult?.(operation, failure === null ? 'ok' : failure.errorCode);
      if (failure === null) continue;
      (failed ??= []).push({
        errorCode: failure.errorCode,
        errorMessage: `${instanceDisplay(instance)}: ${failure.reason}`,
        instance,
      });
    }
    return failed === null ? SUCCESS_RESPONSE : registryResponse(PARTIAL_FAIL, failed);
  }

  private apply(operation: RegistryOperation, instance: Instance, replicated: boolean, stamp: number | undefined, client: string | null): InstanceFailure | null {
    const { node } = this.deps;
    const region = instance.regionId;
    if (isBlank(region) || (region !== node.regionId && region?.toLowerCase() !== node.regionId.toLowerCase())) {
      return new InstanceFailure(
        ErrorCodes.noPermission,
        `${F.regionMismatch} regionId: ${String(region)}, registry node.regionId: ${node.regionId}`,
      );
    }
    const zone = instance.zoneId;
    if (!replicated && zone !== node.zoneId && !node.status.allowRegistryFromOtherZone && zone?.toLowerCase() !== node.zoneId.toLowerCase()) {
      return new InstanceFailure(
        ErrorCodes.noPermission,
        `${F.zoneMismatch} zoneId: ${String(zone)}, registry node.zoneId: ${node.zoneId}`,
      );
    }
    const blank = isBlank(instance.serviceId) ? 'serviceId' : isBlank(instance.instanceId) ? 'instanceId' : isBlank(instance.url) ? 'url' : null;
    if (blank !== null) {
      return new InstanceFailure(ErrorCodes.internalServiceError, `Exception: argument instance.${blank} is null or whitespace`);
    }
    const limitProblem = checkInstanceLimits(instance, this.deps.limits);
    if (limitProblem !== null) {
      this.deps.onLimitRefused?.(limitProblem.limit);
      return new InstanceFailure(ErrorCodes.badRequest, limitProblem.message);
    }
    const key = instanceKey(instance);
    const capacity = this.deps.capacity;
    if (operation === 'register' && !replicated && capacity !== undefined) {
      const refused = capacity.admit(key, instance.serviceId as string, client);
      if (refused !== null) {
        this.deps.onLimitRefused?.(refused.limit);
        return new InstanceFailure(ErrorCodes.rateLimited, refused.reason);
      }
    }
    try {
      const { repository } = this.deps;
      if (replicated) {
        // Stale writes (older than a known unregistration or registration) are answered with
        // success and dropped: the sender has nothing to retry.
        if (operation === 'heartbeat') repository.heartbeatReplicated(instance, stamp);
        else if (operation === 'register') repository.registerReplicated(instance, stamp);
        else repository.unregister(instance, stamp);
        return null;
      }
      const forwarded = this.operate(operation, instance, key, client);
      if (forwarded === null) return new InstanceFailure(ErrorCodes.dataNotFound, F.instanceNotFound);
      for (const l of this.applied) l(operation, instance, forwarded);
    } catch (err) {
      const id = randomUUID();
      this.deps.onUnexpected(err, id);
      return new InstanceFailure(ErrorCodes.internalServiceError, `Exception: ${err instanceof Error ? err.message : String(err)}`);
    }
    return null;
  }

  /** Applies the operation to the instance of identity `key`; returns the order stamp to forward it with, null when a heartbeat finds no live lease. */
  private operate(operation: RegistryOperation, instance: Instance, key: string, client: string | null): number | null {
    const { repository } = this.deps;
    switch (operation) {
      case 'register':
        return repository.register(instance, undefined, client, key);
      case 'heartbeat':
        return repository.renewStamped(instance, key);
      case 'unregister':
        return repository.unregister(instance, undefined, key);
    }
  }
}

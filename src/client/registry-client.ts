import { ErrorCodes } from '../core/error-codes.js';
import type { ResponseStatus } from '../core/response-status.js';
import { instanceKey, makeInstance, type Instance } from '../core/wire/instance.js';
import { isBlank } from '../core/wire/json-reader.js';
import type { FailedInstance } from '../core/wire/registry-messages.js';
import { Emitter } from './emitter.js';
import { ArtemisClientError } from './errors.js';
import { Heartbeats, type HeartbeatFailure } from './heartbeats.js';
import type { NodeChange } from './node-pool.js';
import type { ClientOptions } from './options.js';
import { ClientRuntime } from './runtime.js';
import { lookUp, refusal } from './refusals.js';
import { ManagedSocket } from './socket.js';
import { readFailedInstances } from './wire.js';

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions extends ClientOptions {
  /** One heartbeat frame with every local instance is sent this often. Keep it well below the node's lease TTL (20 s by default). Default 5 000 ms. */
  heartbeatIntervalMs?: number;
  /** close() waits at most this long for the unregister call. Default 3 000 ms. */
  closeTimeoutMs?: number;
}

/** An instance to register: `serviceId`, `instanceId` and `url` are required; `regionId`/`zoneId` default to the client's. */
export type InstanceInput = Partial<Instance> & { serviceId: string; instanceId: string; url: string };

/** An instance to unregister, by its key: `regionId` defaults to the client's; the other fields are looked up. */
export type InstanceRef = Partial<Instance> & { serviceId: string; instanceId: string };

/** What a node answered to register/unregister. */
export interface RegistryResult {
  responseStatus: ResponseStatus;
  /** Instances the node refused (empty on success). */
  failedInstances: FailedInstance[];
  /** Base URL of the node that answered. */
  node: string;
}

/** Events of a {@link RegistryClient}. */
export interface RegistryEvents {
  /** Instances were registered: by register(), or again after a node answered `data-not-found` (restart, expiry). */
  registered: { instances: Instance[]; reason: 'register' | 're-register' };
  /** A register or re-register call failed, wholly or for some instances (`error` says why; for `no-permission`, which setting to change). */
  'register-failed': { instances: Instance[]; error: ArtemisClientError | undefined; failedInstances: FailedInstance[] };
  /** A heartbeat failed (no answer, a failure status, or instances refused other than by `data-not-found`). */
  'heartbeat-failed': HeartbeatFailure;
  /** The client moved to another node. */
  'node-changed': NodeChange;
}

type Operation = 'register' | 'unregister';

/**
 * Registers the application's instances and keeps them alive: one heartbeat frame for all of
 * them every interval over `/ws/registry/heartbeat`, over HTTP while the socket is down;
 * instances a node does not know (it restarted, or the lease expired) are registered again
 * automatically; close() unregisters them.
 *
 * @example
 * ```ts
 * import { RegistryClient } from '@artemis-registry/client';
 *
 * const registry = new RegistryClient({ urls: 'http://127.0.0.1:8080', regionId: 'SHA', zoneId: 'sha-z1' });
 * registry.on('registered', ({ instances, reason }) => console.log(reason, instances.length));
 * await registry.register({ serviceId: 'demo.order', instanceId: '10.0.0.7:8080', url: 'http://10.0.0.7:8080', status: 'up' });
 * process.on('SIGTERM', () => void registry.close()); // unregisters, then releases everything
 * ```
 */
export class RegistryClient extends Emitter<RegistryEvents> {
  private readonly runtime: ClientRuntime;
  private readonly socket: ManagedSocket;
  private readonly heartbeats: Heartbeats;
  private readonly local = new Map<string, Instance>();
  /** Instances with a register call in flight: heartbeat answers do not register them again. */
  private readonly registering = new Set<string>();
  private readonly closeTimeoutMs: number;
  private running = false;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  private readonly closedPromise = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(options: RegistryClientOptions) {
    super();
    this.runtime = new ClientRuntime(options, 'registry', (change) => {
      this.socket.follow(change.to);
      this.emit('node-changed', change);
    });
    this.closeTimeoutMs = options.closeTimeoutMs ?? 3_000;
    const { pool, options: opts, timers } = this.runtime;
    this.socket = new ManagedSocket('/ws/registry/heartbeat', pool, opts, timers, {
      onOpen: () => this.heartbeats.onOpen(),
      onMessage: (text) => this.heartbeats.onFrame(text),
      onDown: () => this.heartbeats.onDown(),
    });
    this.heartbeats = new Heartbeats(options.heartbeatIntervalMs ?? 5_000, this.runtime, this.socket, {
      instances: () => [...this.local.values()],
      local: (instance) => this.local.get(instanceKey(instance)),
      reRegister: (instances) => void this.reRegister(instances),
      failed: (failure) => this.emit('heartbeat-failed', failure),
    });
  }

  /** Starts the node-list refresh, the heartbeat connection and the heartbeat timer. Idempotent; register() calls it. */
  start(): Promise<void> {
    this.runtime.assertOpen();
    if (!this.running) {
      this.running = true;
      this.socket.start();
      this.heartbeats.start();
    }
    return this.runtime.start();
  }

  /**
   * Registers instances now and heartbeats them from then on. If no node can be reached the call
   * rejects, but the instances stay scheduled: they are registered as soon as a node answers.
   * Instances refused with `no-permission` (a region or zone the node does not serve) are not
   * heartbeated; the error says which setting to change.
   * @throws RangeError when an instance lacks serviceId, instanceId or url
   * @throws ArtemisClientError when every attempt failed, or the node refused the whole request or every instance of it
   */
  async register(instances: InstanceInput | readonly InstanceInput[]): Promise<RegistryResult> {
    const list = this.normalise(instances);
    void this.start();
    for (const i of list) this.local.set(instanceKey(i), i);
    const keys = list.map(instanceKey).filter((k) => !this.registering.has(k));
    for (const k of keys) this.registering.add(k);
    try {
      return await this.registerNow(list, 'register');
    } finally {
      for (const k of keys) this.registering.delete(k);
    }
  }

  /**
   * Stops heartbeating these instances and unregisters them, by key (`serviceId`, `instanceId`,
   * `regionId`). The node wants the whole instance: one this client registered is sent as
   * registered; another one is taken from the node's discovery answer (instances the node does
   * not have are reported in `failedInstances` as `data-not-found`).
   * @throws ArtemisClientError `data-not-found` when the node has none of them
   */
  async unregister(instances: InstanceRef | readonly InstanceRef[]): Promise<RegistryResult> {
    this.runtime.assertOpen();
    const refs = (Array.isArray(instances) ? instances : [instances]) as InstanceRef[];
    const regionId = this.runtime.options.regionId;
    const known: Instance[] = [];
    const unknown: InstanceRef[] = [];
    for (const ref of refs) {
      for (const field of ['serviceId', 'instanceId'] as const) {
        if (isBlank(ref[field])) throw new RangeError(`instance.${field} must be a non-blank string`);
      }
      const key = instanceKey({ regionId: ref.regionId ?? regionId, serviceId: ref.serviceId, instanceId: ref.instanceId });
      const local = this.local.get(key);
      if (local !== undefined) {
        this.local.delete(key);
        known.push(local);
      } else if (!isBlank(ref.url)) known.push(...this.normalise(ref as InstanceInput));
      else unknown.push(ref);
    }
    const { found, missing } = await lookUp(this.runtime, unknown);
    known.push(...found);
    if (known.length === 0) {
      throw new ArtemisClientError(ErrorCodes.dataNotFound, `unregister: ${missing.map((f) => f.errorMessage).join('; ')}`);
    }
    const result = await this.call('unregister', known);
    return { ...result, failedInstances: [...result.failedInstances, ...missing] };
  }

  /** The instances this client keeps registered. */
  instances(): Instance[] {
    return [...this.local.values()];
  }

  /** Unregisters every local instance (bounded by `closeTimeoutMs`), then releases timers and connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Resolves once the client has been closed. */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  private async shutdown(): Promise<void> {
    this.heartbeats.stop();
    const remaining = [...this.local.values()];
    this.local.clear();
    if (remaining.length > 0 && this.running && !this.runtime.isClosed) {
      await Promise.race([this.call('unregister', remaining).catch(() => undefined), this.runtime.timers.sleep(this.closeTimeoutMs)]);
    }
    this.runtime.shutdown();
    await this.socket.close();
    this.removeAllListeners();
    this.resolveClosed();
  }

  private normalise(input: InstanceInput | readonly InstanceInput[]): Instance[] {
    this.runtime.assertOpen();
    const { regionId, zoneId } = this.runtime.options;
    const list = (Array.isArray(input) ? input : [input]) as InstanceInput[];
    return list.map((i) => {
      const inst = makeInstance({ ...i, metadata: i.metadata ? { ...i.metadata } : null, regionId: i.regionId ?? regionId, zoneId: i.zoneId ?? zoneId });
      for (const field of ['serviceId', 'instanceId', 'url'] as const) {
        if (isBlank(inst[field])) throw new RangeError(`instance.${field} must be a non-blank string`);
      }
      return inst;
    });
  }

  private async registerNow(list: Instance[], reason: 'register' | 're-register'): Promise<RegistryResult> {
    let result: RegistryResult;
    try {
      result = await this.call('register', list);
    } catch (err) {
      if (!this.runtime.isClosed) this.emit('register-failed', { instances: list, error: err as ArtemisClientError, failedInstances: [] });
      throw err;
    }
    const refused = new Set(result.failedInstances.map((f) => (f.instance === null ? '' : instanceKey(f.instance))));
    const registered = list.filter((i) => !refused.has(instanceKey(i)));
    if (registered.length > 0) this.emit('registered', { instances: registered, reason });
    if (result.failedInstances.length === 0) return result;
    // a region or zone the node does not serve never passes: stop heartbeating those instances
    for (const f of result.failedInstances) if (f.errorCode === ErrorCodes.noPermission && f.instance !== null) this.local.delete(instanceKey(f.instance));
    const error = refusal(result.node, result.failedInstances);
    this.emit('register-failed', { instances: list, error, failedInstances: result.failedInstances });
    if (registered.length === 0) throw error;
    return result;
  }

  private async reRegister(instances: Instance[]): Promise<void> {
    const list = instances.filter((i) => !this.registering.has(instanceKey(i)));
    if (list.length === 0 || this.runtime.isClosed) return;
    for (const i of list) this.registering.add(instanceKey(i));
    try {
      await this.registerNow(list, 're-register');
    } catch {
      // reported as register-failed; the next heartbeat tries again
    } finally {
      for (const i of list) this.registering.delete(instanceKey(i));
    }
  }

  private async call(op: Operation, instances: Instance[]): Promise<RegistryResult> {
    const answer = await this.runtime.http.request({ path: `/api/registry/${op}.json`, body: { instances } });
    const status = answer.responseStatus!;
    if (status.status !== 'success' && status.errorCode !== ErrorCodes.partialFail) {
      throw new ArtemisClientError(status.errorCode, `${answer.node}: ${op} failed: ${status.errorCode} ${status.message ?? ''}`.trim(), {
        node: answer.node,
        responseStatus: status,
      });
    }
    return { responseStatus: status, failedInstances: readFailedInstances(answer.body), node: answer.node };
  }
}

import { serviceKey, type Instance } from '../core/wire/instance.js';
import type { RouteRule, Service } from '../core/wire/service.js';
import { effectiveRouteRules } from '../core/wire/route-rules.js';
import { Emitter } from './emitter.js';
import { ArtemisClientError } from './errors.js';
import { prop } from './http.js';
import type { NodeChange } from './node-pool.js';
import type { ClientOptions } from './options.js';
import { ClientRuntime } from './runtime.js';
import { ServiceEntry, type Fetched, type ServiceChangeEvent, type ServiceListener } from './service-entry.js';
import { ManagedSocket } from './socket.js';
import { withJitter } from './timers.js';
import { etagVersion, readPushedChange, readService } from './wire.js';

/** Options of a {@link DiscoveryClient}. */
export interface DiscoveryClientOptions extends ClientOptions {
  /** Every cached service is fetched again this often (a conditional GET), in case a push was lost. Default 60 000 ms. */
  refreshIntervalMs?: number;
}

/** Events of a {@link DiscoveryClient}. */
export interface DiscoveryEvents {
  /** The client moved to another node. */
  'node-changed': NodeChange;
  /** Fetching a service failed; the last known data keeps being served. */
  'refresh-failed': { serviceId: string; error: ArtemisClientError };
}

const INSTANCE_CHANGE_PATH = '/ws/discovery/instance-change';

/**
 * Discovers services: the first `getService` of a service fetches it, later calls answer from a
 * local cache that pushes over `/ws/discovery/instance-change` keep current. After a reconnect
 * the client resumes from the last complete version, or fetches the service again; a periodic
 * safety refresh catches anything else. When every node fails, the last known data is served.
 *
 * @example
 * ```ts
 * import { DiscoveryClient } from '@artemis-registry/client';
 *
 * const discovery = new DiscoveryClient({ urls: ['http://10.0.0.5:8080', 'http://10.0.0.6:8080'], regionId: 'SHA', zoneId: 'sha-z1' });
 * const service = await discovery.getService('demo.order');
 * const off = discovery.subscribe('demo.order', (e) => console.log(e.changeType, e.instance?.url));
 * const target = await discovery.pick('demo.order'); // round robin over up instances
 * off();
 * await discovery.close();
 * ```
 */
export class DiscoveryClient extends Emitter<DiscoveryEvents> {
  private readonly runtime: ClientRuntime;
  private readonly socket: ManagedSocket;
  private readonly entries = new Map<string, ServiceEntry>();
  private readonly refreshIntervalMs: number;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  private readonly closedPromise = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private running = false;

  constructor(options: DiscoveryClientOptions) {
    super();
    this.runtime = new ClientRuntime(options, 'discovery', (change) => this.onNodeChange(change));
    this.refreshIntervalMs = options.refreshIntervalMs ?? 60_000;
    if (!(this.refreshIntervalMs > 0)) throw new RangeError('refreshIntervalMs must be positive');
    const { pool, options: opts, timers } = this.runtime;
    this.socket = new ManagedSocket(INSTANCE_CHANGE_PATH, pool, opts, timers, {
      onOpen: (node) => this.onOpen(node),
      onMessage: (text, node) => this.onPush(text, node),
    });
  }

  /** Starts the node-list refresh, the push connection and the safety refresh. Idempotent; other methods call it. */
  start(): Promise<void> {
    this.runtime.assertOpen();
    if (!this.running) {
      this.running = true;
      this.socket.start();
      this.scheduleRefresh();
    }
    return this.runtime.start();
  }

  /**
   * The service, from the cache after the first call. The first call fetches it and subscribes to
   * its changes. `instances` is always an array. Do not mutate the result (it is frozen).
   * @throws ArtemisClientError when the service was never fetched and no node answers
   */
  async getService(serviceId: string): Promise<Readonly<Service>> {
    const entry = this.entry(serviceId);
    if (entry.service !== undefined) return entry.service;
    await (entry.loading ?? this.load(entry));
    if (entry.service !== undefined) return entry.service;
    throw entry.lastError ?? new ArtemisClientError('unknown', `service ${serviceId} could not be fetched`);
  }

  /** The cached service, without any network call; undefined before the first successful fetch. */
  cachedService(serviceId: string): Readonly<Service> | undefined {
    return this.entries.get(serviceKey(serviceId.trim()))?.service;
  }

  /**
   * Calls `listener` with every change of the service: `new`/`change`/`delete` as pushed, and
   * `reload` when a fetch found different data. Starts watching the service. Returns a function
   * that removes the listener.
   */
  subscribe(serviceId: string, listener: ServiceListener): () => void {
    const entry = this.entry(serviceId);
    entry.listeners.add(listener);
    if (entry.service === undefined && entry.loading === undefined) void this.load(entry);
    return () => entry.listeners.delete(listener);
  }

  /**
   * An up instance of the service, undefined when none is up. Without `routeId`: round robin over
   * all its instances. With `routeId`: weighted routing by that route rule as the registry
   * publishes it (a group in proportion to its weight, then an instance of the group round robin),
   * `default-route-rule` when the service has no such rule.
   */
  async pick(serviceId: string, options: { routeId?: string } = {}): Promise<Readonly<Instance> | undefined> {
    const service = await this.getService(serviceId);
    const entry = this.entries.get(serviceKey(serviceId.trim()));
    if (entry === undefined) return undefined;
    if (options.routeId === undefined) return entry.picker.pick(service.instances ?? []);
    if (entry.routes?.service !== service) {
      entry.routes = { service, rules: effectiveRouteRules(service) };
      entry.routePicker.retain(entry.routes.rules);
    }
    return entry.routePicker.pick(entry.routes.rules, options.routeId);
  }

  /** The service's route rules resolved to member instances, plus `default-route-rule` (see {@link pick}). */
  async routeRules(serviceId: string): Promise<RouteRule[]> {
    return effectiveRouteRules(await this.getService(serviceId));
  }

  /** Stops pushes and timers and closes the connection. Idempotent; resolves when everything is released. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.runtime.shutdown();
      await this.socket.close();
      this.entries.clear();
      this.removeAllListeners();
      this.resolveClosed();
    })();
    return this.closing;
  }

  /** Resolves once the client has been closed. */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  private entry(serviceId: string): ServiceEntry {
    if (typeof serviceId !== 'string' || serviceId.trim() === '') throw new RangeError('serviceId must be a non-blank string');
    void this.start();
    const key = serviceKey(serviceId.trim());
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = new ServiceEntry(serviceId.trim());
      this.entries.set(key, entry);
      entry.needsSubscribe = true;
      void this.load(entry);
    }
    return entry;
  }

  /** Fetches the service (coalesced with a fetch in flight); never rejects. */
  private load(entry: ServiceEntry): Promise<void> {
    if (entry.loading !== undefined) {
      entry.loadAgain = true;
      return entry.loading;
    }
    entry.beginFetch();
    entry.loading = (async () => {
      do {
        entry.loadAgain = false;
        await this.fetchOnce(entry);
      } while (entry.loadAgain && !this.runtime.isClosed);
    })().finally(() => {
      entry.loading = undefined;
      if (entry.needsSubscribe) this.subscribeOnSocket(entry);
    });
    return entry.loading;
  }

  private async fetchOnce(entry: ServiceEntry): Promise<void> {
    const { regionId, zoneId } = this.runtime.options;
    const query = new URLSearchParams({ serviceId: entry.serviceId, regionId, zoneId });
    const etag = entry.etag;
    const headers: Record<string, string> = etag === undefined ? {} : { 'if-none-match': etag.value };
    try {
      const answer = await this.runtime.http.request({ method: 'GET', path: `/api/discovery/service.json?${query.toString()}`, headers });
      if (answer.httpStatus === 304 && etag?.node === answer.node) return this.deliver(entry, entry.unchanged());
      if (answer.httpStatus === 304) {
        entry.etag = undefined;
        entry.loadAgain = true;
        return;
      }
      if (answer.responseStatus?.status !== 'success') {
        const s = answer.responseStatus;
        throw new ArtemisClientError(s?.errorCode ?? 'bad-response', `${answer.node}: ${s?.errorCode ?? ''} ${s?.message ?? ''}`.trim(), { node: answer.node });
      }
      const fetched: Fetched = {
        service: readService(prop(answer.body, 'service') ?? { serviceId: entry.serviceId }, entry.serviceId),
        node: answer.node,
        version: etagVersion(answer.headers.get('etag')),
        etag: answer.headers.get('etag'),
      };
      this.deliver(entry, entry.fetched(fetched));
    } catch (err) {
      const error = err instanceof ArtemisClientError ? err : new ArtemisClientError('bad-response', (err as Error).message, { cause: err });
      this.deliver(entry, entry.failed(error));
      if (!this.runtime.isClosed) this.emit('refresh-failed', { serviceId: entry.serviceId, error });
    }
  }

  /** Sends the subscription frame; without a resume version, fetches the service again to catch up. */
  private subscribeOnSocket(entry: ServiceEntry): void {
    const node = this.socket.node;
    if (node === undefined || this.runtime.isClosed) return;
    if (entry.loading !== undefined) {
      entry.needsSubscribe = true;
      return;
    }
    entry.needsSubscribe = false;
    const version = entry.resumeVersion(node);
    const { regionId, zoneId } = this.runtime.options;
    const frame = { discoveryData: null, regionId, serviceId: entry.serviceId, zoneId, ...(version === undefined ? {} : { version }) };
    this.socket.send(JSON.stringify(frame));
    if (version === undefined) void this.load(entry);
  }

  private onOpen(_node: string): void {
    for (const entry of this.entries.values()) this.subscribeOnSocket(entry);
  }

  private onPush(text: string, node: string): void {
    const change = readPushedChange(text);
    const entry = change === null ? undefined : this.entries.get(serviceKey(change.instance.serviceId ?? ''));
    if (change === null || entry === undefined) return;
    const result = entry.onPush(change, node);
    if (result === 'reload') void this.load(entry);
    else this.deliver(entry, result);
  }

  private deliver(entry: ServiceEntry, events: ServiceChangeEvent[]): void {
    for (const event of events) {
      for (const listener of [...entry.listeners]) {
        try {
          listener(event);
        } catch {
          // a failing listener must not break the client
        }
      }
    }
  }

  private scheduleRefresh(): void {
    const { timers, options } = this.runtime;
    timers.after(withJitter(this.refreshIntervalMs, 0.1, options.random), () => {
      if (this.runtime.isClosed) return;
      for (const entry of this.entries.values()) if (entry.loading === undefined) void this.load(entry);
      this.scheduleRefresh();
    });
  }

  private onNodeChange(change: NodeChange): void {
    this.socket.follow(change.to);
    this.emit('node-changed', change);
  }
}

import { instanceKey, serviceKey, type Instance } from '../core/wire/instance.js';
import type { ChangeType, RouteRule, Service } from '../core/wire/service.js';
import type { ArtemisClientError } from './errors.js';
import { RoutePicker, WeightedRoundRobin } from './picker.js';
import type { PushedChange } from './wire.js';

/**
 * A change of a watched service, as listeners receive it. For `reload` (the service was fetched
 * again and differs from what was cached), `instance` is null.
 */
export interface ServiceChangeEvent {
  changeType: ChangeType;
  /** The service id as first asked for. */
  serviceId: string;
  /** The instance added, replaced or removed; null for `reload`. */
  instance: Readonly<Instance> | null;
  /** The service after the change. */
  service: Readonly<Service>;
}

/** Receives the changes of one service. */
export type ServiceListener = (event: ServiceChangeEvent) => void;

/** A fetched service and where it came from. */
export interface Fetched {
  service: Service;
  node: string;
  /** Version of the service on that node (from the ETag), when known. */
  version: number | undefined;
  etag: string | null;
}

function freeze(service: Service): Readonly<Service> {
  for (const i of service.instances ?? []) Object.freeze(i);
  Object.freeze(service.instances);
  return Object.freeze(service);
}

const json = (v: unknown) => JSON.stringify(v);

/**
 * The client-side state of one service: the last known good data, its listeners, and the
 * version bookkeeping for resuming pushes. Versions are per node; the resume version is the
 * version of the last batch known to be complete (a batch is complete once a frame of a later
 * version arrives, or when it came from a fetch).
 */
export class ServiceEntry {
  readonly key: string;
  service: Readonly<Service> | undefined;
  readonly listeners = new Set<ServiceListener>();
  readonly picker = new WeightedRoundRobin();
  readonly routePicker = new RoutePicker();
  /** The effective route rules of `service`, resolved once per service object. */
  routes: { service: Readonly<Service>; rules: RouteRule[] } | undefined;
  lastError: ArtemisClientError | undefined;
  /** The running fetch, if any. */
  loading: Promise<void> | undefined;
  /** Fetch once more when the running fetch ends. */
  loadAgain = false;
  /** Send the subscription when the running fetch ends. */
  needsSubscribe = false;
  /** ETag of the cached data and the node that gave it. */
  etag: { value: string; node: string } | undefined;
  private versionNode: string | undefined;
  private seen = 0;
  private complete = 0;
  private buffer: Array<PushedChange & { node: string }> | null = null;

  constructor(readonly serviceId: string) {
    this.key = serviceKey(serviceId);
  }

  /** The version to resume from on `node`; undefined when unknown there. */
  resumeVersion(node: string): number | undefined {
    return this.versionNode === node && this.complete > 0 ? this.complete : undefined;
  }

  /** Starts holding pushes back until the fetch in flight ends. */
  beginFetch(): void {
    this.buffer ??= [];
  }

  /** A pushed change: events to deliver, or `reload` when the service must be fetched again. */
  onPush(change: PushedChange, node: string): ServiceChangeEvent[] | 'reload' {
    if (change.changeType === 'reload') return 'reload';
    this.track(change.version, node);
    if (this.buffer !== null) {
      this.buffer.push({ ...change, node });
      return [];
    }
    const event = this.apply(change);
    return event === null ? [] : [event];
  }

  /** A fetch succeeded: replaces the data, replays pushes held back; one `reload` event when the data changed. */
  fetched(result: Fetched): ServiceChangeEvent[] {
    const before = this.service;
    this.service = freeze(result.service);
    this.lastError = undefined;
    if (result.etag !== null) this.etag = { value: result.etag, node: result.node };
    if (result.version !== undefined) {
      const sameNode = this.versionNode === result.node;
      this.versionNode = result.node;
      this.seen = sameNode ? Math.max(this.seen, result.version) : result.version;
      this.complete = sameNode ? Math.max(this.complete, result.version) : result.version;
    }
    const held = this.buffer ?? [];
    this.buffer = null;
    for (const change of held) {
      const covered = result.version !== undefined && change.node === result.node && change.version <= result.version;
      if (!covered) this.apply(change);
    }
    if (before === undefined || json(before) === json(this.service)) return [];
    return [{ changeType: 'reload', serviceId: this.serviceId, instance: null, service: this.service }];
  }

  /** The data did not change on the node (HTTP 304): only replays pushes held back. */
  unchanged(): ServiceChangeEvent[] {
    return this.release();
  }

  /** A fetch failed: keeps the last known data and applies the pushes held back to it. */
  failed(error: ArtemisClientError): ServiceChangeEvent[] {
    this.lastError = error;
    return this.release();
  }

  private release(): ServiceChangeEvent[] {
    const held = this.buffer ?? [];
    this.buffer = null;
    if (this.service === undefined) return [];
    const events: ServiceChangeEvent[] = [];
    for (const change of held) {
      const e = this.apply(change);
      if (e !== null) events.push(e);
    }
    return events;
  }

  private track(version: number, node: string): void {
    if (!(version > 0)) return;
    if (node !== this.versionNode) {
      this.versionNode = node;
      this.seen = version;
      this.complete = 0;
      return;
    }
    if (version > this.seen) {
      this.complete = this.seen;
      this.seen = version;
    }
  }

  /** Applies one change to the cached data; the event when something changed. */
  private apply(change: PushedChange): ServiceChangeEvent | null {
    const service = this.service;
    if (service === undefined) return null;
    const list = service.instances ?? [];
    const key = instanceKey(change.instance);
    const at = list.findIndex((i) => instanceKey(i) === key);
    let next: Instance[];
    if (change.changeType === 'delete') {
      if (at < 0) return null;
      next = list.filter((_, i) => i !== at);
    } else {
      if (at >= 0 && json(list[at]) === json(change.instance)) return null;
      next = at >= 0 ? list.map((inst, i) => (i === at ? change.instance : inst)) : [...list, change.instance];
    }
    this.service = freeze({ ...service, instances: next });
    return { changeType: change.changeType, serviceId: this.serviceId, instance: change.instance, service: this.service };
  }
}

/**
 * The registry as the console sees it: one load of /api/discovery/services.json, then every
 * change from the push channel /ws/discovery/all-instance-change (no polling). After a lost
 * connection the page reconnects with backoff and loads once more, since that channel has no
 * resume. Listeners are told at most once per animation frame.
 */
import { getJson, PREFIX } from './api';

export interface Instance {
  instanceId: string;
  serviceId: string;
  regionId: string;
  zoneId: string;
  ip: string | null;
  port: number | null;
  url: string;
  status: string | null;
  groupId: string | null;
  metadata: Record<string, string | null> | null;
}

export interface ServiceEntry {
  id: string;
  instances: Map<string, Instance>;
}

interface Change {
  changeType: string;
  instance: Instance;
  version?: number;
}

type Listener = () => void;

const key = (i: Pick<Instance, 'regionId' | 'serviceId' | 'instanceId'>) => `${i.regionId}.${i.serviceId}.${i.instanceId}`.toLowerCase();

export class LiveRegistry {
  readonly services = new Map<string, ServiceEntry>();
  loaded = false;
  connected = false;
  error: string | null = null;
  /** Changes received since the page loaded. */
  changes = 0;
  /** Bumped on every change: views key their memos on it. */
  revision = 0;
  private listeners = new Set<Listener>();
  private serviceListeners = new Set<(serviceId: string) => void>();
  private ws: WebSocket | null = null;
  private retry = 500;
  private pending = false;
  private stopped = false;
  /** Changes that arrive while a load is in flight, applied after it when newer than its version. */
  private buffered: Change[] | null = null;

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** Called with the service id of every change (for views of one service). */
  onServiceChange(l: (serviceId: string) => void): () => void {
    this.serviceListeners.add(l);
    return () => this.serviceListeners.delete(l);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }

  instanceCount(): number {
    let n = 0;
    for (const s of this.services.values()) n += s.instances.size;
    return n;
  }

  private notify(): void {
    this.revision++;
    if (this.pending) return;
    this.pending = true;
    const run = () => {
      this.pending = false;
      this.listeners.forEach((l) => l());
    };
    if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') requestAnimationFrame(run);
    else setTimeout(run, 50);
  }

  async load(): Promise<void> {
    this.buffered = [];
    try {
      const r = await getJson<{ services: Array<{ serviceId: string; instances: Instance[] | null }> | null; version?: number }>('/api/discovery/services.json');
      this.services.clear();
      for (const s of r.services ?? []) {
        const entry = this.entry(s.serviceId);
        for (const i of s.instances ?? []) entry.instances.set(key(i), i);
      }
      this.loaded = true;
      this.error = null;
      const later = this.buffered;
      this.buffered = null;
      for (const c of later) if (c.version === undefined || r.version === undefined || c.version > r.version) this.apply(c);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
    this.buffered = null;
    this.notify();
  }

  private entry(serviceId: string): ServiceEntry {
    const id = serviceId.toLowerCase();
    let e = this.services.get(id);
    if (e === undefined) {
      e = { id: serviceId, instances: new Map() };
      this.services.set(id, e);
    }
    return e;
  }

  private async reloadService(serviceId: string, regionId: string): Promise<void> {
    const q = new URLSearchParams({ serviceId, regionId });
    const r = await getJson<{ service: { instances: Instance[] | null } | null }>(`/api/discovery/service.json?${q}`);
    const entry = this.entry(serviceId);
    entry.instances.clear();
    for (const i of r.service?.instances ?? []) entry.instances.set(key(i), i);
    if (entry.instances.size === 0) this.services.delete(serviceId.toLowerCase());
    this.notify();
  }

  apply(change: Change): void {
    if (this.buffered !== null) {
      this.buffered.push(change);
      return;
    }
    const i = change.instance;
    this.changes++;
    if (change.changeType === 'reload') {
      void this.reloadService(i.serviceId, i.regionId).catch(() => undefined);
    } else if (change.changeType === 'delete') {
      const entry = this.services.get(i.serviceId.toLowerCase());
      entry?.instances.delete(key(i));
      if (entry !== undefined && entry.instances.size === 0) this.services.delete(i.serviceId.toLowerCase());
    } else {
      this.entry(i.serviceId).instances.set(key(i), i);
    }
    this.serviceListeners.forEach((l) => l(i.serviceId));
    this.notify();
  }

  private connect(): void {
    if (this.stopped) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}${PREFIX}/ws/discovery/all-instance-change`);
    this.ws = ws;
    ws.onopen = () => {
      this.connected = true;
      this.retry = 500;
      // everything before this moment comes from one load; everything after from the channel
      void this.load();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      try {
        this.apply(JSON.parse(ev.data) as Change);
      } catch {
        // a frame that is not a change: ignored
      }
    };
    ws.onclose = () => {
      this.connected = false;
      this.notify();
      if (this.stopped) return;
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 15_000);
    };
  }
}

export const registry = new LiveRegistry();

/** Lease times the management view adds to an instance's metadata. */
export const LEASE_KEYS = new Set(['creationTime', 'renewalTime', 'ttl']);

export function leaseAge(metadata: Record<string, string | null> | null, now: number): string {
  const renewal = Number(metadata?.['renewalTime'] ?? NaN);
  if (!Number.isFinite(renewal)) return '—';
  return ago(now - renewal);
}

export function ago(ms: number): string {
  if (ms < 0) return '0 s';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

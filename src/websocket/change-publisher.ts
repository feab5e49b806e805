import * as wsModule from 'ws';
import type { WebSocket } from 'ws';
import type { Clock } from '../core/clock.js';
import { serviceKey, type Instance } from '../core/wire/instance.js';
import { reloadChange, type InstanceChange } from '../core/wire/service.js';

/** Where missed changes come from when a subscriber resumes from a version it knows. */
export interface ChangeHistory {
  /** Changes of one service after `version` up to now, or null when history no longer covers it. */
  changesSince(serviceKey: string, version: number): { changes: InstanceChange[]; version: number } | null;
}

export interface PublisherHooks {
  /** Called when a subscriber is too slow; the publisher has stopped sending to it. */
  onSlowConsumer(ws: WebSocket): void;
  /** Observes the time from a change to its send, per frame sent. */
  onSent(latencyMs: number, subscribers: number): void;
  /** The management rule that hides `new`/`change` of instances that are pulled out; none when absent. */
  isSuppressed?(instance: Instance): boolean;
}

/** ws's frame encoder (exported at run time, not in its type declarations). */
const frameOf = (wsModule as unknown as { Sender: { frame: (data: Buffer, options: object) => Buffer[] } }).Sender.frame;

const FRAME_OPTIONS = { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false };

/** A pushed change: InstanceChange plus the version it leads to (Java clients ignore the extra field). */
interface PushFrame extends InstanceChange {
  version: number;
}

/**
 * Fans instance changes out to WebSocket subscribers. Each change is serialised once into one
 * buffer that every subscriber of its service (and every all-changes session) is sent. A
 * subscriber whose unsent bytes exceed the bound is cut off instead of growing memory.
 */
export class ChangePublisher {
  private readonly byService = new Map<string, Set<WebSocket>>();
  private readonly subscriptions = new WeakMap<WebSocket, Set<string>>();
  private readonly everything = new Set<WebSocket>();

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly clock: Clock,
    private readonly hooks: PublisherHooks,
    private readonly history?: ChangeHistory,
  ) {}

  /**
   * Subscribes a session to a service. With `sinceVersion`, first sends what the session missed
   * since that version, or a `reload` when history no longer covers it.
   */
  subscribe(ws: WebSocket, serviceId: string, sinceVersion?: number): void {
    const key = serviceKey(serviceId);
    let set = this.byService.get(key);
    if (set === undefined) this.byService.set(key, (set = new Set()));
    set.add(ws);
    let mine = this.subscriptions.get(ws);
    if (mine === undefined) this.subscriptions.set(ws, (mine = new Set()));
    mine.add(key);
    if (sinceVersion !== undefined && sinceVersion > 0 && this.history !== undefined) this.catchUp(ws, serviceId, key, sinceVersion);
  }

  private catchUp(ws: WebSocket, serviceId: string, key: string, since: number): void {
    // pending registry changes are pushed live at the next tick; history covers everything before
    const missed = this.history?.changesSince(key, since);
    if (missed === null || missed === undefined) {
      this.sendTo(ws, this.encode(reloadChange(serviceId, this.clock.now()), 0));
      return;
    }
    for (const change of missed.changes) this.sendTo(ws, this.encode(change, missed.version));
  }

  subscribeAll(ws: WebSocket): void {
    this.everything.add(ws);
  }

  remove(ws: WebSocket): void {
    this.everything.delete(ws);
    const mine = this.subscriptions.get(ws);
    if (mine === undefined) return;
    for (const key of mine) {
      const set = this.byService.get(key);
      set?.delete(ws);
      if (set?.size === 0) this.byService.delete(key);
    }
    this.subscriptions.delete(ws);
  }

  /** Services `ws` is subscribed to, and whether `serviceId` is one of them. */
  subscriptionsOf(ws: WebSocket, serviceId: string): { count: number; has: boolean } {
    const mine = this.subscriptions.get(ws);
    return { count: mine?.size ?? 0, has: mine?.has(serviceKey(serviceId)) === true };
  }

  /** True when a change of this service would be sent to someone (a subscriber of it or an all-changes session). */
  listensTo(serviceId: string | null): boolean {
    return this.everything.size > 0 || (this.byService.get(serviceKey(serviceId ?? ''))?.size ?? 0) > 0;
  }

  /** Keys of the services someone subscribed to by name (sessions for all changes are not counted). */
  listenedServices(): ReadonlyMap<string, unknown> {
    return this.byService;
  }

  subscriberCount(serviceId: string): number {
    return this.byService.get(serviceKey(serviceId))?.size ?? 0;
  }

  /** Publishes changes that lead to `version` (0 when unversioned). */
  publish(changes: readonly InstanceChange[], version: number): void {
    const everyone = this.everything.size > 0;
    if (!everyone && this.byService.size === 0) return;
    for (const change of changes) {
      const subscribers = this.byService.get(serviceKey(change.instance.serviceId ?? ''));
      // Nobody listens to this service: no frame to build.
      if (!everyone && (subscribers === undefined || subscribers.size === 0)) continue;
      if ((change.changeType === 'new' || change.changeType === 'change') && this.hooks.isSuppressed?.(change.instance) === true) continue;
      const frame = this.encode(change, version);
      let sent = 0;
      if (subscribers !== undefined) for (const ws of subscribers) sent += this.sendTo(ws, frame);
      for (const ws of this.everything) sent += this.sendTo(ws, frame);
      if (sent > 0) this.hooks.onSent(this.clock.now() - change.changeTime, sent);
    }
  }

  /** The whole WebSocket text frame (header and payload) of a change, built once for every subscriber. */
  private encode(change: InstanceChange, version: number): Buffer {
    const frame: PushFrame = { changeTime: change.changeTime, changeType: change.changeType, instance: change.instance, version };
    const payload = Buffer.from(JSON.stringify(frame));
    return Buffer.concat(frameOf(payload, FRAME_OPTIONS));
  }

  private sendTo(ws: WebSocket, frame: Buffer): number {
    if (ws.readyState !== ws.OPEN) return 0;
    if (ws.bufferedAmount + frame.length > this.maxBufferedBytes) {
      this.remove(ws);
      this.hooks.onSlowConsumer(ws);
      return 0;
    }
    // ws writes every frame synchronously when compression is off, so a pre-built frame can go
    // straight to the socket between them: one write per subscriber, no per-send framing.
    const socket = (ws as unknown as { _socket?: { write(b: Buffer): boolean } })._socket;
    if (socket === undefined) return 0;
    socket.write(frame);
    return 1;
  }
}

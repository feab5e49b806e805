import { WebSocket } from 'ws';
import type { NodePool } from './node-pool.js';
import type { ResolvedOptions, SocketLike } from './options.js';
import { backoffDelay, type TimerHandle, type TimerSet } from './timers.js';

/** What a {@link ManagedSocket} reports to its owner. */
export interface SocketHandlers {
  /** A connection to `node` is open. */
  onOpen(node: string): void;
  /** A text frame arrived. */
  onMessage(text: string, node: string): void;
  /** The connection to `node` is gone (a reconnect is scheduled). */
  onDown?(node: string): void;
}

/** Close codes after which the node itself is fine: normal, session expired, slow consumer. */
const NODE_FINE = new Set([1000, 1013, 4000]);

/** `http(s)://host/base` → `ws(s)://host/base` + path. */
export function toWebSocketUrl(node: string, path: string): string {
  return node.replace(/^http(s?):\/\//i, (_m, s: string) => (s === '' ? 'ws://' : 'wss://')) + path;
}

const OPEN = 1;

/**
 * One WebSocket to the pool's current node that stays connected: handshake timeout, a ping each
 * interval (no pong by the next one = dead), and reconnection with jittered exponential backoff.
 * A node whose connection fails or drops abnormally is set aside in the pool, so the next
 * connection goes elsewhere when there is somewhere else.
 */
export class ManagedSocket {
  private ws: SocketLike | undefined;
  private wsNode: string | undefined;
  private opened = false;
  private stopped = false;
  private attempts = 0;
  private awaitingPong = false;
  private readonly handles = new Set<TimerHandle>();

  constructor(
    private readonly path: string,
    private readonly pool: NodePool,
    private readonly options: ResolvedOptions,
    private readonly timers: TimerSet,
    private readonly handlers: SocketHandlers,
  ) {}

  /** Connects unless already connected or connecting. */
  start(): void {
    if (!this.stopped && this.ws === undefined && this.handles.size === 0) this.connect();
  }

  /** A connection is open and usable. */
  get isOpen(): boolean {
    return this.ws !== undefined && this.opened && this.ws.readyState === OPEN;
  }

  /** The node of the open connection. */
  get node(): string | undefined {
    return this.isOpen ? this.wsNode : undefined;
  }

  /** Sends a text frame; false when not connected. */
  send(text: string): boolean {
    if (!this.isOpen) return false;
    this.ws?.send(text);
    return true;
  }

  /** Drops the connection and connects again now; with `markNode`, sets the node aside first. */
  reconnect(markNode: boolean): void {
    if (this.stopped) return;
    if (markNode && this.wsNode !== undefined) this.pool.markUnavailable(this.wsNode);
    this.detach();
    this.connect();
  }

  /** Moves to the pool's current node when the open connection is elsewhere. */
  follow(node: string): void {
    if (this.isOpen && this.wsNode !== node) this.reconnect(false);
  }

  /** Closes for good; resolves when the connection is closed (at most about a second). */
  async close(): Promise<void> {
    this.stopped = true;
    this.clearOwnTimers();
    const ws = this.ws;
    this.detach();
    if (ws === undefined || ws.readyState === 3) return;
    await new Promise<void>((resolve) => {
      const force = this.timers.after(1_000, () => {
        ws.terminate();
        resolve();
      });
      ws.on('close', () => {
        this.timers.cancel(force);
        resolve();
      });
    });
  }

  private connect(): void {
    const node = this.pool.current();
    const url = toWebSocketUrl(node, this.path);
    const ws = this.options.createSocket === undefined ? defaultSocket(url, this.options.ca) : this.options.createSocket(url);
    this.ws = ws;
    this.wsNode = node;
    this.opened = false;
    const handshake = this.later(this.options.connectTimeoutMs, () => ws.terminate());
    ws.on('open', () => {
      if (ws !== this.ws) return;
      this.cancel(handshake);
      this.opened = true;
      this.attempts = 0;
      this.pool.markAvailable(node);
      this.schedulePing(ws);
      this.handlers.onOpen(node);
    });
    ws.on('message', (data, isBinary) => {
      if (ws === this.ws && !isBinary) this.handlers.onMessage(String(data), node);
    });
    ws.on('pong', () => {
      if (ws === this.ws) this.awaitingPong = false;
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      this.cancel(handshake);
      if (ws === this.ws) this.dropped(node, code);
    });
  }

  private dropped(node: string, code: number): void {
    const wasOpen = this.opened;
    this.detach();
    if (!wasOpen || !NODE_FINE.has(code)) this.pool.markUnavailable(node);
    if (wasOpen) this.handlers.onDown?.(node);
    if (this.stopped) return;
    const delay = backoffDelay(this.attempts++, this.options.backoff, this.options.random);
    this.later(delay, () => this.connect());
  }

  private schedulePing(ws: SocketLike): void {
    this.awaitingPong = false;
    const tick = () => {
      if (ws !== this.ws) return;
      if (this.awaitingPong) {
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
      this.later(this.options.pingIntervalMs, tick);
    };
    this.later(this.options.pingIntervalMs, tick);
  }

  /** Forgets the current connection (its events are ignored from now on) and closes it. */
  private detach(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.opened = false;
    this.clearOwnTimers();
    if (ws === undefined) return;
    if (ws.readyState === OPEN) ws.close(1000, 'client closing');
    else ws.terminate();
  }

  private later(ms: number, fn: () => void): TimerHandle {
    const handle = this.timers.after(ms, () => {
      this.handles.delete(handle);
      fn();
    });
    this.handles.add(handle);
    return handle;
  }

  private cancel(handle: TimerHandle): void {
    this.handles.delete(handle);
    this.timers.cancel(handle);
  }

  private clearOwnTimers(): void {
    for (const h of this.handles) this.timers.cancel(h);
    this.handles.clear();
  }
}

function defaultSocket(url: string, ca: ResolvedOptions['ca']): SocketLike {
  return new WebSocket(url, ca === undefined ? { perMessageDeflate: false } : { perMessageDeflate: false, ca });
}

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Clock } from '../core/clock.js';
import { readDiscoveryConfig } from '../core/wire/service.js';
import { readInteger, readObject } from '../core/wire/json-reader.js';
import type { Logger } from '../telemetry/logger.js';
import type { ChangePublisher } from './change-publisher.js';
import type { WsMetrics } from './ws-metrics.js';

export type Channel = 'registry' | 'discovery' | 'discoveries';

export const CHANNEL_PATHS: Record<Channel, string> = {
  registry: '/ws/registry/heartbeat',
  discovery: '/ws/discovery/instance-change',
  discoveries: '/ws/discovery/all-instance-change',
};

/** Close codes the server uses. */
export const CloseCodes = {
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooSlow: 1013,
  expired: 4000,
} as const;

/** The `websocket.*` settings. */
export interface WebSocketSettings {
  /** Open sessions allowed per channel. */
  maxSessions: number;
  /** Largest inbound text frame. */
  maxFrameBytes: number;
  /** A subscriber with more unsent bytes than this is disconnected. */
  maxBufferedBytes: number;
  /** Ping period; 0 = off. */
  pingIntervalMs: number;
  /** Sessions older than this are closed; 0 = never. */
  sessionTtlMs: number;
  /** Remote addresses refused on every channel. */
  ipBlacklist: readonly string[];
}

export interface WsGatewayDeps {
  config: WebSocketSettings;
  contextPath: string;
  clock: Clock;
  logger: Logger;
  metrics: WsMetrics;
  publisher: ChangePublisher;
  /** Answers one heartbeat frame: the same pipeline as HTTP heartbeat. */
  heartbeat(body: unknown, clientAddress: string): string | Buffer;
  /** The access check of an upgrade (tokens, address ranges); refused upgrades get 403. Absent: every upgrade passes. */
  admit?: ((channel: Channel, req: IncomingMessage) => boolean) | undefined;
  /** Services one session may subscribe to (`limits.maxSubscriptionsPerSession`); 0 = no limit. */
  maxSubscriptionsPerSession: number;
  /** Told each session closed by a limit: too many subscriptions, or a frame over `websocket.maxFrameBytes` (closed with 1009). */
  onLimitRefused(limit: 'limits.maxSubscriptionsPerSession' | 'websocket.maxFrameBytes'): void;
  /** False for an upgrade a web page of another origin asks for (its Origin is neither this node nor allowed); absent: all. */
  admitsOrigin?(origin: string | undefined, host: string | undefined): boolean;
}

/** Failure text of the subscription limit: the close reason (at most 123 bytes). */
export const SubscriptionFailures = {
  tooMany: 'too many subscriptions (limits.maxSubscriptionsPerSession)',
} as const;

interface SessionInfo {
  channel: Channel;
  connectedAt: number;
  address: string;
  alive: boolean;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * The three WebSocket channels on the HTTP server's port: heartbeats (one answer per frame),
 * per-service change subscriptions, and all changes. Enforces session and frame limits, pings
 * quiet sessions, and closes everything with 1001 on shutdown.
 */
export class WsGateway {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<WebSocket, SessionInfo>();
  private readonly counts: Record<Channel, number> = { registry: 0, discovery: 0, discoveries: 0 };
  private readonly routes = new Map<string, Channel>();
  private readonly blacklist: Set<string>;
  private closing = false;

  constructor(private readonly deps: WsGatewayDeps) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
    for (const [channel, path] of Object.entries(CHANNEL_PATHS) as Array<[Channel, string]>) {
      this.routes.set(path, channel);
      if (deps.contextPath !== '') this.routes.set(`${deps.contextPath}${path}`, channel);
    }
    this.blacklist = new Set(deps.config.ipBlacklist.map((a) => a.toLowerCase()));
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  connections(): Record<Channel, number> {
    return { ...this.counts };
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0]?.replace(/\/+$/, '') ?? '';
    const channel = this.routes.get(path);
    if (channel === undefined) return refuse(socket, 404, 'Not Found');
    const address = req.socket.remoteAddress ?? '-';
    if (this.closing) return refuse(socket, 503, 'Service Unavailable');
    if (this.blacklist.has(address.toLowerCase())) return refuse(socket, 403, 'Forbidden');
    if (this.deps.admit !== undefined && !this.deps.admit(channel, req)) return refuse(socket, 403, 'Forbidden');
    // a page of another site must not heartbeat or watch through the operator's browser
    if (this.deps.admitsOrigin?.(req.headers.origin, req.headers.host) === false) return refuse(socket, 403, 'Forbidden');
    if (this.counts[channel] >= this.deps.config.maxSessions) {
      this.deps.metrics.refused.inc({ channel });
      return refuse(socket, 503, 'Service Unavailable');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onOpen(ws, channel, address));
  }

  private onOpen(ws: WebSocket, channel: Channel, address: string): void {
    this.sessions.set(ws, { channel, connectedAt: this.deps.clock.now(), address, alive: true });
    this.counts[channel]++;
    this.deps.metrics.sessions.inc({ channel });
    if (channel === 'discoveries') this.deps.publisher.subscribeAll(ws);
    ws.on('message', (data, isBinary) => this.onMessage(ws, channel, data, isBinary));
    ws.on('pong', () => {
      const s = this.sessions.get(ws);
      if (s) s.alive = true;
    });
    ws.on('error', (err) => {
      if ((err as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.deps.onLimitRefused('websocket.maxFrameBytes');
      this.deps.logger.debug({ channel, address, err: err.message }, 'websocket error');
    });
    ws.on('close', () => this.onClose(ws));
  }

  private onClose(ws: WebSocket): void {
    const s = this.sessions.get(ws);
    if (s === undefined) return;
    this.sessions.delete(ws);
    this.counts[s.channel]--;
    this.deps.metrics.sessions.dec({ channel: s.channel });
    this.deps.publisher.remove(ws);
  }

  private onMessage(ws: WebSocket, channel: Channel, data: RawData, isBinary: boolean): void {
    const s = this.sessions.get(ws);
    if (s) s.alive = true;
    this.deps.metrics.framesIn.inc({ channel });
    if (isBinary) {
      ws.close(CloseCodes.unsupportedData, 'text frames only');
      return;
    }
    if (channel === 'discoveries') return;
    let body: unknown;
    try {
      body = JSON.parse((data as Buffer).toString('utf8'));
    } catch {
      body = undefined;
    }
    if (channel === 'registry') {
      ws.send(this.deps.heartbeat(body, s?.address ?? '-'), { binary: false });
      this.deps.metrics.framesOut.inc({ channel });
      return;
    }
    this.subscribe(ws, body);
  }

  /** A subscription frame: a DiscoveryConfig, optionally with the last `version` the client saw. */
  private subscribe(ws: WebSocket, body: unknown): void {
    try {
      const config = readDiscoveryConfig(body, 'discoveryConfig');
      const serviceId = config?.serviceId?.trim();
      if (serviceId === undefined || serviceId === '') return;
      const raw = readObject(body, 'discoveryConfig') ?? {};
      const versionKey = Object.keys(raw).find((k) => k.toLowerCase() === 'version');
      const since = versionKey === undefined ? undefined : readInteger(raw[versionKey], 'version');
      const max = this.deps.maxSubscriptionsPerSession;
      if (max > 0) {
        const held = this.deps.publisher.subscriptionsOf(ws, serviceId);
        if (!held.has && held.count >= max) {
          this.deps.onLimitRefused('limits.maxSubscriptionsPerSession');
          ws.close(CloseCodes.policyViolation, SubscriptionFailures.tooMany);
          return;
        }
      }
      this.deps.publisher.subscribe(ws, serviceId, since);
    } catch (err) {
      this.deps.logger.debug({ err: (err as Error).message }, 'ignored an unreadable subscription frame');
    }
  }

  /** Periodic: pings every session, closes those that missed the last ping or outlived the TTL. */
  sweep(): void {
    const now = this.deps.clock.now();
    const ttl = this.deps.config.sessionTtlMs;
    for (const [ws, s] of this.sessions) {
      if (ttl > 0 && now - s.connectedAt > ttl) {
        ws.close(CloseCodes.expired, 'session expired');
        continue;
      }
      if (!s.alive) {
        ws.terminate();
        continue;
      }
      s.alive = false;
      ws.ping();
    }
  }

  /** Cuts off a subscriber that cannot keep up; it reconnects and reloads. */
  closeSlow(ws: WebSocket): void {
    const s = this.sessions.get(ws);
    this.deps.metrics.slowConsumers.inc({ channel: s?.channel ?? 'discovery' });
    ws.close(CloseCodes.tooSlow, 'slow consumer');
    setTimeout(() => ws.terminate(), 1000).unref();
  }

  /** Closes every session with 1001 so clients move to another node; resolves when all are closed. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const closed = [...this.sessions.keys()].map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close(CloseCodes.goingAway, 'server shutting down');
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all(closed), timeout]);
    clearTimeout(timer);
    for (const ws of this.sessions.keys()) ws.terminate();
    this.wss.close();
  }
}

import { constants } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { untilDeadline, type Lifecycle } from '../core/lifecycle.js';
import type { Logger } from '../telemetry/logger.js';
import type { TlsFiles, TlsMaterial } from './tls.js';

/** The `http.*` settings of the server. */
export interface HttpServerSettings {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * How often node:http looks for requests past their headers or request timeout: a tenth of the
 * shorter timeout, at most a second (node's default is 30 s, which let a slow-header connection
 * live almost twice a 30 s timeout).
 */
export function timeoutCheckIntervalMs(settings: HttpServerSettings): number {
  const shortest = settings.requestTimeoutMs > 0 ? Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs) : settings.headersTimeoutMs;
  return Math.max(10, Math.min(1_000, Math.floor(shortest / 10)));
}

/** The raw answer to a connection over `limits.maxConnectionsPerAddress`, written before closing it. */
function tooManyConnections(limit: number): string {
  const body = JSON.stringify({ responseStatus: failStatus(ErrorCodes.rateLimited, `${ConnectionFailures.perAddress}${limit}`) });
  return `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Marks a connection refused by the per-address limit: what it sends is never handled. */
const REFUSED = Symbol('refused connection');
type RefusableSocket = Socket & { [REFUSED]?: boolean };

/** The request listener, except that requests on a refused connection are dropped unanswered (it got its 429). */
function refusedDropped(listener: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if ((req.socket as RefusableSocket)[REFUSED] === true) res.destroy();
    else listener(req, res);
  };
}

/**
 * Tells `onTimeout` of every connection node:http closes for its headers or request timeout
 * (it destroys the socket with ERR_HTTP_REQUEST_TIMEOUT after answering 408): a request still
 * receiving its body hit the request timeout, anything else the headers timeout.
 */
function countTimeouts(srv: Server, secure: boolean, onTimeout: (limit: TimeoutLimit) => void): void {
  // the HTTP parser of an HTTPS server reads the TLS socket, not the raw one
  srv.on(secure ? 'secureConnection' : 'connection', (socket: TrackedSocket) => {
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') return;
      const req = socket[LAST_REQUEST];
      onTimeout(req !== undefined && !req.complete ? 'http.requestTimeoutMs' : 'http.headersTimeoutMs');
    });
  });
}

/** Failure text of the connection limit. */
export const ConnectionFailures = {
  perAddress: 'Too many open connections from this address (limits.maxConnectionsPerAddress): ',
} as const;

/** What shares the server's port: the WebSocket channels (upgrades), closed while HTTP drains. */
export interface UpgradeHandler {
  attach(server: Server): void;
  close(timeoutMs: number): Promise<void>;
}

export interface HttpServerDeps {
  host: string;
  /** 0 picks a free port. */
  port: number;
  settings: HttpServerSettings;
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  upgrades: UpgradeHandler;
  logger: Logger;
  /** Told the bound port once the server listens. */
  onListening: (port: number) => void;
  /** With TLS files, HTTPS (and WSS) with their certificate, replaced when the files change. */
  tls?: TlsFiles | null | undefined;
  /** Open connections allowed per client address; 0 = no limit. */
  maxConnectionsPerAddress: number;
  /** Told each connection refused by `maxConnectionsPerAddress`. */
  onConnectionRefused: () => void;
  /** Told each connection closed by the headers or the request timeout, by the setting's key. */
  onTimeout?: (limit: TimeoutLimit) => void;
}

/** The settings whose expiry closes a connection with 408. */
export type TimeoutLimit = 'http.headersTimeoutMs' | 'http.requestTimeoutMs';

/** The last request a connection carried, to tell a slow body (request timeout) from slow headers. */
const LAST_REQUEST = Symbol('last request');
type TrackedSocket = Socket & { [LAST_REQUEST]?: IncomingMessage };

/** The request listener, noting each request on its connection. */
function tracked(listener: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    (req.socket as TrackedSocket)[LAST_REQUEST] = req;
    listener(req, res);
  };
}

function secureContext(m: TlsMaterial) {
  return m.ca === undefined ? { cert: m.cert, key: m.key } : { cert: m.cert, key: m.key, ca: m.ca };
}

/**
 * The node's HTTP server as a part: `start` listens (and attaches the WebSocket channels);
 * `stop` stops accepting, lets requests in flight finish and closes every WebSocket session with
 * 1001, both until the deadline, then cuts the connections left.
 */
export class HttpServer implements Lifecycle {
  readonly name = 'http and websocket';
  private server: Server | undefined;
  private boundPort: number;

  constructor(private readonly deps: HttpServerDeps) {
    this.boundPort = deps.port;
  }

  /** The bound port once listening, the configured one before. */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) throw new Error('node already started');
    const tls = this.deps.tls ?? null;
    const settings = this.deps.settings;
    const requestTimeout = settings.requestTimeoutMs;
    const options = {
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      requestTimeout,
      // node refuses a headers timeout above the request timeout
      headersTimeout: requestTimeout > 0 ? Math.min(settings.headersTimeoutMs, requestTimeout) : settings.headersTimeoutMs,
      connectionsCheckingInterval: timeoutCheckIntervalMs(settings),
    };
    const onTimeout = this.deps.onTimeout;
    const base = onTimeout === undefined ? this.deps.listener : tracked(this.deps.listener);
    const listener = this.deps.maxConnectionsPerAddress > 0 ? refusedDropped(base) : base;
    // An HTTPS server emits the same request and upgrade events as an HTTP one.
    const srv = tls === null ? createServer(options, listener) : this.httpsServer(tls, options, listener);
    this.server = srv;
    if (this.deps.maxConnectionsPerAddress > 0) this.limitConnections(srv, this.deps.maxConnectionsPerAddress);
    if (onTimeout !== undefined) countTimeouts(srv, tls !== null, onTimeout);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.deps.port, this.deps.host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (srv.address() as AddressInfo).port;
    this.deps.onListening(this.boundPort);
    this.deps.upgrades.attach(srv);
  }

  private httpsServer(tls: TlsFiles, options: object, listener: (req: IncomingMessage, res: ServerResponse) => void): Server {
    // With mutual TLS a client certificate is asked for but not required at the handshake:
    // clients need none; the peer-only endpoints refuse calls without one (peer-auth.ts).
    // No session resumption then: a resumed session would carry the authorisation of the
    // connection that made it.
    const mutual = tls.settings.mutual ? { requestCert: true, rejectUnauthorized: false, secureOptions: constants.SSL_OP_NO_TICKET } : {};
    const srv = createHttpsServer({ ...options, ...secureContext(tls.material), ...mutual }, listener);
    tls.onChange((m) => srv.setSecureContext(secureContext(m)));
    return srv;
  }

  /** Counts open connections per remote address; one over the limit is answered 429 and closed. */
  private limitConnections(srv: Server, limit: number): void {
    const open = new Map<string, number>();
    const refusal = tooManyConnections(limit);
    // an upgrade on a refused connection is dropped before the WebSocket channels see it
    srv.prependListener('upgrade', (_req: IncomingMessage, socket: Socket) => {
      if ((socket as RefusableSocket)[REFUSED] === true) socket.destroy();
    });
    srv.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? '-';
      const count = (open.get(address) ?? 0) + 1;
      if (count > limit) {
        this.deps.onConnectionRefused();
        // under TLS this is the raw socket, before the handshake: no answer can be read there
        if (this.deps.tls != null) {
          socket.destroy();
          return;
        }
        (socket as RefusableSocket)[REFUSED] = true;
        socket.end(refusal);
        return;
      }
      open.set(address, count);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
    });
  }

  async stop(deadline: number): Promise<void> {
    await Promise.all([this.drain(deadline), this.deps.upgrades.close(Math.max(0, deadline - Date.now()))]);
  }

  private async drain(deadline: number): Promise<void> {
    const srv = this.server;
    if (srv === undefined || !srv.listening) return;
    const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
    srv.closeIdleConnections();
    if ((await untilDeadline(closed, deadline)) === 'timeout') {
      this.deps.logger.warn({}, 'in-flight requests did not finish before the deadline; closing connections');
      srv.closeAllConnections();
      await closed;
    }
  }
}

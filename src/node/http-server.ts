import { constants } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { untilDeadline, type Lifecycle } from '../core/lifecycle.js';
import type { Logger } from '../telemetry/logger.js';
import type { TlsFiles, TlsMaterial } from './tls.js';

/** The `http.*` settings of the server. */
export interface HttpServerSettings {
  keepAliveTimeoutMs: number;
  requestTimeoutMs: number;
}

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
    // An HTTPS server emits the same request and upgrade events as an HTTP one.
    const srv = tls === null ? createServer(this.deps.listener) : this.httpsServer(tls);
    this.server = srv;
    srv.keepAliveTimeout = this.deps.settings.keepAliveTimeoutMs;
    srv.requestTimeout = this.deps.settings.requestTimeoutMs;
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

  private httpsServer(tls: TlsFiles): Server {
    // With mutual TLS a client certificate is asked for but not required at the handshake:
    // clients need none; the peer-only endpoints refuse calls without one (peer-auth.ts).
    // No session resumption then: a resumed session would carry the authorisation of the
    // connection that made it.
    const mutual = tls.settings.mutual ? { requestCert: true, rejectUnauthorized: false, secureOptions: constants.SSL_OP_NO_TICKET } : {};
    const srv = createHttpsServer({ ...secureContext(tls.material), ...mutual }, this.deps.listener);
    tls.onChange((m) => srv.setSecureContext(secureContext(m)));
    return srv;
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

import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { untilDeadline, type Lifecycle } from '../core/lifecycle.js';
import type { Logger } from '../telemetry/logger.js';

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
    const srv = createServer(this.deps.listener);
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

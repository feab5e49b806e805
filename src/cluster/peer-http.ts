import type { Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { PeerSigner } from './peer-signature.js';

/** What peer calls over TLS present and trust: the CA bundle, and for mutual TLS the node's certificate. */
export interface PeerTls {
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
}

/** A fetch as peer calls make it (the node's TLS agent, when it has one). */
export type PeerFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Decides whether a call to `url` may go out; tests cut links with it. */
export type PeerLinkFilter = (url: string) => boolean;

/** Thrown when a call is not answered with a JSON body (network error, timeout, HTTP error). */
export class PeerCallError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(`${url}: ${message}`);
    this.name = 'PeerCallError';
  }
}

export interface PeerHttpOptions {
  /** Signs every call with the cluster key (peer-signature.ts). */
  signer: PeerSigner;
  /** When given and false for a URL, the call fails at once as if the link were down. */
  filter?: PeerLinkFilter | undefined;
  /** TLS of peer calls; by default Node's (system CAs, no client certificate). */
  tls?: PeerTls | undefined;
}

/** JSON calls between nodes (gossip, status polling, anti-entropy, start-up copy), each one signed. */
export class PeerHttp {
  private agent: Agent;

  constructor(private readonly options: PeerHttpOptions) {
    this.agent = peerAgent(options.tls ?? {});
  }

  /** Peer calls from now on use `tls` (a reloaded certificate or CA); calls in flight finish on the old one. */
  setTls(tls: PeerTls): void {
    const old = this.agent;
    this.agent = peerAgent(tls);
    void old.close();
  }

  /** Node's fetch over the peer connections (and TLS settings). */
  readonly fetch: PeerFetch = (url, init) =>
    // Node's fetch takes an undici dispatcher, which RequestInit does not declare.
    fetch(url, { ...init, dispatcher: this.agent } as unknown as RequestInit);

  /** Headers of one call of `method` to `url` with the body bytes `body`: JSON, gzip accepted, the signature. */
  headers(method: string, url: string, body: Uint8Array | string | null = null): Record<string, string> {
    return { accept: 'application/json', 'accept-encoding': 'gzip', ...this.options.signer.headers(method, url, body) };
  }

  /** True when the link to `url` is not cut by the filter. */
  allows(url: string): boolean {
    return this.options.filter === undefined || this.options.filter(url);
  }

  /** POSTs `body` as JSON and returns the parsed JSON answer. */
  async postJson(url: string, body: unknown, timeoutMs: number): Promise<unknown> {
    if (!this.allows(url)) throw new PeerCallError(url, 'link is cut');
    const text = JSON.stringify(body);
    let res: Response;
    try {
      res = await this.fetch(url, {
        method: 'POST',
        headers: { ...this.headers('POST', url, text), 'content-type': 'application/json' },
        body: text,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PeerCallError(url, err instanceof Error ? err.message : String(err));
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new PeerCallError(url, `HTTP ${res.status}`, res.status);
    }
    try {
      return await res.json();
    } catch (err) {
      throw new PeerCallError(url, `unreadable answer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/**
 * The connection pool of peer calls. A call given up on (timed out, aborted) resets its
 * connection instead of closing it: a plain close leaves the request's bytes in the kernel's send
 * queue, retransmitted until they get through, so a replicated heartbeat sent before a partition
 * would reach the peer when the partition heals, long after the sender gave up on it and after
 * an unregistration the peer has not heard of yet. A reset discards them.
 */
function peerAgent(tls: PeerTls): Agent {
  const connect = buildConnector({ ca: tls.ca, cert: tls.cert, key: tls.key });
  return new Agent({
    connect: (options, callback) =>
      connect(options, (...result) => {
        if (result[0] === null) resetWhenFailed(result[1]);
        callback(...result);
      }),
  });
}

function resetWhenFailed(socket: Socket): void {
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (error?: Error) => {
    if (error !== undefined && !socket.destroyed) {
      try {
        // Plain TCP only; a TLS socket is closed as usual.
        return socket.resetAndDestroy();
      } catch {
        // not a TCP handle
      }
    }
    return destroy(error);
  };
}

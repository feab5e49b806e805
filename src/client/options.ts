import { readFileSync } from 'node:fs';
import { trustingFetch, type OwnFetch } from './tls-fetch.js';
import { systemTimers, type BackoffOptions, type Timers } from './timers.js';

/** The part of a `ws` WebSocket the clients use; lets tests inject a fake socket. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'pong', listener: () => void): unknown;
}

/** Opens a WebSocket to `url`. */
export type SocketFactory = (url: string) => SocketLike;

/** PEM certificates: one, a bundle, or a list. */
export type CaCertificates = string | Buffer | ReadonlyArray<string | Buffer>;

/** Options shared by {@link RegistryClient} and {@link DiscoveryClient}. */
export interface ClientOptions {
  /** One or more seed URLs of Artemis nodes (or of a load balancer in front of them), e.g. `http://127.0.0.1:8080`. */
  urls: string | readonly string[];
  /** Region of this application; filled into instances that have none and sent with lookups. Default `default`. */
  regionId?: string;
  /** Zone of this application. Default `default`. */
  zoneId?: string;
  /** Timeout of one HTTP attempt. Default 2 000 ms. */
  requestTimeoutMs?: number;
  /** Attempts per HTTP call, moving to another node after a failure. Default 3. */
  retryAttempts?: number;
  /** Pause between two attempts of one call (jittered). Default 100 ms. */
  retryDelayMs?: number;
  /** How long a node stays unused after a failure (grows exponentially while it keeps failing), and the WebSocket reconnect delays. */
  backoff?: BackoffOptions;
  /** Period of the refresh of the node list from `up-registry-nodes` / `up-discovery-nodes`. Default 300 000 ms. */
  nodeRefreshIntervalMs?: number;
  /** WebSocket handshake timeout. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** The WebSocket is pinged this often and reconnected when the pong has not come by the next ping. Default 5 000 ms. */
  pingIntervalMs?: number;
  /** Clock and timers; tests inject fakes. */
  timers?: Timers;
  /** Source of randomness for jitter and node choice, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * CA certificates (PEM) that nodes served over HTTPS/WSS must chain to, instead of the
   * system's CAs: e.g. the `tls.caFile` of the nodes. Applies to the default `fetch` and
   * WebSocket, not to injected ones.
   */
  ca?: CaCertificates;
  /** File of PEM CA certificates, read once by the constructor; added to {@link ClientOptions.ca}. */
  caFile?: string;
  /** HTTP implementation. Default the global `fetch` (with `ca`/`caFile`: node:https trusting them). */
  fetch?: typeof fetch;
  /** WebSocket implementation. Default a `ws` WebSocket (trusting `ca`/`caFile`). */
  createSocket?: SocketFactory;
}

/** {@link ClientOptions} with every default applied. */
export interface ResolvedOptions {
  urls: string[];
  regionId: string;
  zoneId: string;
  requestTimeoutMs: number;
  retryAttempts: number;
  retryDelayMs: number;
  backoff: Required<BackoffOptions>;
  nodeRefreshIntervalMs: number;
  connectTimeoutMs: number;
  pingIntervalMs: number;
  timers: Timers;
  random: () => number;
  /** Undefined: the system's CAs. */
  ca: Array<string | Buffer> | undefined;
  fetch: typeof fetch;
  /** Closes the connections of the default `fetch` when it has its own (with `ca`); nothing otherwise. */
  releaseFetch: () => void;
  createSocket: SocketFactory | undefined;
}

function positive(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min) throw new RangeError(`${name} must be a number >= ${min}, got ${String(value)}`);
  return v;
}

/** Removes trailing slashes; checks the URL is http(s). */
export function normaliseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new RangeError(`not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`not an http(s) URL: ${url}`);
  return trimmed;
}

/** The `ca` and `caFile` certificates; undefined when neither is given. @throws RangeError when caFile cannot be read or holds no certificate */
export function resolveCa(ca: CaCertificates | undefined, caFile: string | undefined): Array<string | Buffer> | undefined {
  const list: Array<string | Buffer> = ca === undefined ? [] : typeof ca === 'string' || Buffer.isBuffer(ca) ? [ca] : [...ca];
  if (caFile !== undefined && caFile !== '') {
    let text: string;
    try {
      text = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new RangeError(`caFile: cannot read ${caFile}: ${(err as Error).message}`);
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new RangeError(`caFile: ${caFile} holds no PEM certificate`);
    list.push(text);
  }
  return list.length === 0 ? undefined : list;
}

/** Applies defaults and checks values. @throws RangeError on an invalid option */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const urls = (typeof options.urls === 'string' ? [options.urls] : [...options.urls]).map(normaliseUrl);
  if (urls.length === 0) throw new RangeError('urls: give at least one node URL');
  const backoff = {
    initialMs: positive('backoff.initialMs', options.backoff?.initialMs, 250),
    maxMs: positive('backoff.maxMs', options.backoff?.maxMs, 10_000),
  };
  if (backoff.maxMs < backoff.initialMs) throw new RangeError('backoff.maxMs must be >= backoff.initialMs');
  const ca = resolveCa(options.ca, options.caFile);
  // an injected fetch, and the global one, are the application's: only a fetch made here is released
  const own: OwnFetch | undefined = options.fetch === undefined && ca !== undefined ? trustingFetch(ca) : undefined;
  return {
    urls: [...new Set(urls)],
    regionId: options.regionId ?? 'default',
    zoneId: options.zoneId ?? 'default',
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 2_000),
    retryAttempts: Math.floor(positive('retryAttempts', options.retryAttempts, 3)),
    retryDelayMs: positive('retryDelayMs', options.retryDelayMs, 100, 0),
    backoff,
    nodeRefreshIntervalMs: positive('nodeRefreshIntervalMs', options.nodeRefreshIntervalMs, 300_000),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 5_000),
    pingIntervalMs: positive('pingIntervalMs', options.pingIntervalMs, 5_000),
    timers: options.timers ?? systemTimers,
    random: options.random ?? Math.random,
    ca,
    fetch: options.fetch ?? own?.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    releaseFetch: () => own?.destroy(),
    createSocket: options.createSocket,
  };
}

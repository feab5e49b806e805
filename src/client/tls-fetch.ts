import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** Certificate errors of a TLS handshake that a CA the client trusts would fix (OpenSSL codes as Node reports them). */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** True when `err` (or its cause, as fetch wraps it) says the server's certificate does not chain to a trusted CA. */
export function isUntrustedCertificate(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNTRUSTED.has(code)) return true;
  }
  return false;
}

const DECODERS = new Map<string | undefined, () => Transform>([
  ['gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/** The body of `res`, decoded; an error or early close of `res` ends the decoded stream with an error too. */
function decoded(res: IncomingMessage): Readable {
  const decoder = DECODERS.get(res.headers['content-encoding']);
  return decoder === undefined ? res : pipeline(res, decoder(), () => undefined);
}

function responseHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    // the body handed on is decoded: its encoding and length no longer apply
    if (value === undefined || name === 'content-encoding' || name === 'content-length') continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function targetOf(input: Parameters<typeof fetch>[0]): URL {
  return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
}

/** A `fetch` over connections of its own, and the release of those connections. */
export interface OwnFetch {
  readonly fetch: typeof fetch;
  /** Closes every connection it holds, idle or in use. */
  destroy(): void;
}

/**
 * A `fetch` for HTTPS nodes whose certificates chain to `ca` rather than to the system's CAs:
 * node:https with a keep-alive agent that trusts only `ca` (the global fetch cannot be given
 * CAs without a dependency). Supports what the client sends: method, headers, a string body,
 * an abort signal; answers are decoded (gzip, deflate, br) as fetch does. Plain-HTTP URLs go
 * to the global fetch. Failures reject with `TypeError('fetch failed')` and the cause, as fetch.
 * `destroy()` closes the agent's connections (the client's close() calls it).
 */
export function trustingFetch(ca: ReadonlyArray<string | Buffer>): OwnFetch {
  const agent = new Agent({ ca: [...ca], keepAlive: true });
  const ownFetch: typeof fetch = (input, init) => {
    const url = targetOf(input);
    if (url.protocol !== 'https:') return globalThis.fetch(input, init);
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br' };
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') return Promise.reject(new TypeError('this fetch sends string bodies only'));
    if (body !== undefined && body !== null) headers['content-length'] = String(Buffer.byteLength(body));
    const signal = init?.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      const failed = (err: unknown) => {
        const aborted: unknown = signal?.aborted === true ? signal.reason : undefined;
        reject(aborted instanceof Error ? aborted : new TypeError('fetch failed', { cause: err }));
      };
      const req = request(url, { method: init?.method ?? 'GET', headers, agent, signal }, (res) => {
        buffer(decoded(res)).then((bytes) => {
          const status = res.statusCode ?? 502;
          const empty = status === 204 || status === 304 || init?.method === 'HEAD';
          resolve(new Response(empty ? null : bytes, { status, statusText: res.statusMessage, headers: responseHeaders(res) }));
        }, failed);
      });
      req.once('error', failed);
      req.end(body ?? undefined);
    });
  };
  return { fetch: ownFetch, destroy: () => agent.destroy() };
}

import type { Context, Handler } from 'hono';
import type { EncodedBody } from '../cache/encoded-body.js';
import { BadRequestError } from '../core/errors.js';
import { readJsonBody, readJsonFrom, readRawBody } from './body.js';
import { clientAddress } from './client-address.js';
import type { Answer, Endpoint, EndpointInput, HttpMethod } from './endpoint.js';
import { refusalResponse } from './middleware.js';
import type { PeerCallRequest, PeerCheck } from './peer-auth.js';
import { JSON_CONTENT_TYPE, sendBytes, sendJsonBytes } from './respond.js';
import type { TurnBudget } from '../core/turn-budget.js';

/** Limits every mounted endpoint shares. */
export interface EndpointLimits {
  maxBodyBytes: number;
  /** Prepared bodies larger than this are gzip-compressed for callers that accept gzip. */
  gzipMinBytes: number;
  /**
   * Checks every call of an `access: 'peer-only'` endpoint over its raw body bytes before the
   * handler runs (peer-auth.ts); such endpoints cannot be mounted without it.
   */
  peerCheck?: PeerCheck;
  /** Admits request bodies into a loop turn's budget (turn-budget.ts); none: bodies are handled as they end. */
  turns?: TurnBudget;
}

interface NodeBindings {
  incoming?: { url?: string; socket?: { localAddress?: string; localPort?: number; authorized?: boolean } };
}

/** A Hono request as the peer check reads it. */
function peerCallOf(c: Context): PeerCallRequest {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  const url = new URL(c.req.url);
  return {
    method: c.req.method,
    // The request line as sent (what the sender signed), else the parsed URL's path and query.
    target: incoming?.url ?? `${url.pathname}${url.search}`,
    header: (name) => c.req.header(name),
    remoteAddress: clientAddress(c),
    localAddress: incoming?.socket?.localAddress,
    localPort: incoming?.socket?.localPort,
    clientCertAuthorized: incoming?.socket?.authorized === true,
  };
}

export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function matchesTag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}

/**
 * An answer as it goes on the wire: status, the headers besides CORS (lower-case names, no
 * content-length) and the body. Both ways in (the Hono routes and the direct path of
 * `direct-path.ts`) write exactly this.
 */
export interface Reply {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array | null;
}

/** The headers of a JSON answer, shared by every such reply. */
export const JSON_ONLY: Readonly<Record<string, string>> = Object.freeze({ 'content-type': JSON_CONTENT_TYPE });

/** What a reply depends on besides the answer. */
interface Negotiation {
  readonly method: HttpMethod;
  header(name: string): string | undefined;
}

/**
 * Prepared bytes: with an ETag and 304 for conditional GETs, gzip-compressed (bytes made once per
 * body) when large enough and the caller accepts it.
 */
function encodedReply(body: EncodedBody, req: Negotiation, gzipMinBytes: number, conditional: boolean): Reply | Promise<Reply> {
  // Header records are object literals of fixed shapes (no spreads): they are built per request
  // and walked once by the writer.
  const etag = conditional && req.method === 'GET' ? body.etag : null;
  if (etag !== null && matchesTag(req.header('if-none-match'), etag)) return { status: 304, headers: { etag }, body: null };
  if (body.bytes.length <= gzipMinBytes) return { status: 200, headers: etag === null ? JSON_ONLY : { etag, 'content-type': JSON_CONTENT_TYPE }, body: body.bytes };
  if (!acceptsGzip(req.header('accept-encoding'))) {
    const headers: Readonly<Record<string, string>> = etag === null ? { vary: ACCEPT_ENCODING, 'content-type': JSON_CONTENT_TYPE } : { etag, vary: ACCEPT_ENCODING, 'content-type': JSON_CONTENT_TYPE };
    return { status: 200, headers, body: body.bytes };
  }
  const headers: Readonly<Record<string, string>> =
    etag === null
      ? { vary: ACCEPT_ENCODING, 'content-encoding': 'gzip', 'content-type': JSON_CONTENT_TYPE }
      : { etag, vary: ACCEPT_ENCODING, 'content-encoding': 'gzip', 'content-type': JSON_CONTENT_TYPE };
  return body.gzip().then((zipped): Reply => ({ status: 200, headers, body: zipped }));
}

const ACCEPT_ENCODING = 'Accept-Encoding';

/** The reply to an endpoint's answer. */
export function replyOf(answer: Answer, req: Negotiation, gzipMinBytes: number): Reply | Promise<Reply> {
  switch (answer.kind) {
    case 'json':
      return { status: answer.status, headers: JSON_ONLY, body: answer.body };
    case 'wire':
      return { status: answer.status, headers: JSON_ONLY, body: JSON.stringify(answer.body) };
    case 'encoded':
      return encodedReply(answer.body, req, gzipMinBytes, answer.conditional);
    case 'text': {
      const headers: Record<string, string> = {};
      for (const name in answer.headers) headers[name.toLowerCase()] = answer.headers[name]!;
      headers['content-type'] = answer.contentType;
      return { status: 200, headers, body: answer.body };
    }
    case 'redirect':
      return { status: 308, headers: { location: answer.location }, body: null };
  }
}

/** The missing-parameter failure Spring answers for a missing `@RequestParam`. */
export function missingQuery(name: string): BadRequestError {
  return new BadRequestError(`Required String parameter '${name}' is not present`, { httpStatus: 400 });
}

/** A Hono request as an endpoint sees it; one object per request, no closures. */
class ContextInput implements EndpointInput {
  readonly method: HttpMethod;

  constructor(
    private readonly c: Context,
    private readonly maxBodyBytes: number,
    readonly prefix: string,
    private readonly turns: TurnBudget | undefined,
    /** The body bytes, when the peer check has read them already. */
    private readonly raw?: Buffer,
  ) {
    this.method = c.req.method as HttpMethod;
  }

  query(name: string): string | undefined {
    return this.c.req.query(name);
  }

  queries(name: string): string[] | undefined {
    return this.c.req.queries(name);
  }

  requiredQuery(name: string): string {
    const value = this.c.req.query(name);
    if (value === undefined) throw missingQuery(name);
    return value;
  }

  header(name: string): string | undefined {
    return this.c.req.header(name);
  }

  body(): Promise<unknown> {
    if (this.raw !== undefined) return readJsonFrom(this, this.raw, this.maxBodyBytes);
    return readJsonBody(this.c, this.maxBodyBytes, this.turns);
  }

  get clientAddress(): string {
    return clientAddress(this.c);
  }
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as { then?: unknown }).then === 'function';

function send(c: Context, reply: Reply): Response {
  return reply.headers === JSON_ONLY && reply.body !== null ? sendJsonBytes(c, reply.body, reply.status) : sendBytes(c, reply.body, reply.status, reply.headers);
}

/**
 * The Hono handler of an endpoint, for requests that used `prefix` ('' or the context path). It
 * stays synchronous as long as the endpoint's answer is, so Hono and @hono/node-server can write
 * the response without a promise.
 */
export function endpointHandler(endpoint: Endpoint, limits: EndpointLimits, prefix: string): Handler {
  const { maxBodyBytes, gzipMinBytes, turns } = limits;
  if (endpoint.access === 'peer-only') return peerHandler(endpoint, limits, prefix);
  return (c) => {
    const input = new ContextInput(c, maxBodyBytes, prefix, turns);
    const answer = endpoint.handle(input);
    if (isPromise(answer)) {
      return answer.then((a) => {
        const reply = replyOf(a, input, gzipMinBytes);
        return isPromise(reply) ? reply.then((r) => send(c, r)) : send(c, reply);
      });
    }
    const reply = replyOf(answer, input, gzipMinBytes);
    return isPromise(reply) ? reply.then((r) => send(c, r)) : send(c, reply);
  };
}

/** The handler of a peer-only endpoint: the raw body is read (capped) and checked first. */
function peerHandler(endpoint: Endpoint, limits: EndpointLimits, prefix: string): Handler {
  const check = limits.peerCheck;
  if (check === undefined) throw new Error(`${endpoint.path} is peer-only: mount it with a peer check`);
  const javaPeer = endpoint.javaPeer === true;
  return async (c) => {
    // The signature covers the body as sent, so it is read before anything else.
    const raw = await readRawBody(c, limits.maxBodyBytes, limits.turns);
    const refused = check(peerCallOf(c), raw, javaPeer);
    if (refused !== undefined) return refusalResponse(c, refused);
    const input = new ContextInput(c, limits.maxBodyBytes, prefix, limits.turns, raw);
    return send(c, await replyOf(await endpoint.handle(input), input, limits.gzipMinBytes));
  };
}

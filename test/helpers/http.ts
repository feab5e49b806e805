import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { ArtemisNode } from '../../src/app.js';
import { recordAnswer } from './openapi-responses.js';

/**
 * Requests to a node over a real socket: the bytes given go out as they are (plus the transport
 * headers host, connection and content-length), and the bytes the server sent come back
 * unchanged (no decompression), as a fetch `Response`.
 */

/** A node to talk to: a started node (`startTestNode`), a wired node, or a base URL. */
export type Target = { url: string } | ArtemisNode | string;

export interface RequestOptions {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: string | Uint8Array | ArrayBuffer | null;
}

/** Base URLs of nodes that listen (started with `startTestNode`). */
const listening = new WeakMap<ArtemisNode, string>();
/** Servers on an ephemeral port for wired nodes that were never started. */
const served = new WeakMap<ArtemisNode, Promise<string>>();

/** Notes the base URL a started node listens on, so `request(node, …)` reaches its own server. */
export function noteListening(node: ArtemisNode, url: string): void {
  listening.set(node, url);
}

function isNode(target: Target): target is ArtemisNode {
  return typeof target === 'object' && 'app' in target && 'repository' in target;
}

/**
 * A wired node that was never started (it has no server of its own) is served on a loopback
 * port by the node:http adapter of its Hono app, which is what the node's own server runs for
 * every request the direct path does not answer. The server holds nothing open: it is unref'd and
 * every request uses a connection of its own.
 */
function serveWired(node: ArtemisNode): Promise<string> {
  let url = served.get(node);
  if (url === undefined) {
    const framework = getRequestListener(node.app.fetch);
    const server = createServer((req, res) => void framework(req, res));
    server.keepAliveTimeout = node.config.http.keepAliveTimeoutMs;
    server.requestTimeout = node.config.http.requestTimeoutMs;
    url = new Promise<string>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.unref();
        resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      });
    });
    served.set(node, url);
  }
  return url;
}

/** The base URL that reaches `target` over a socket. */
export async function baseUrl(target: Target): Promise<string> {
  if (typeof target === 'string') return target;
  if (!isNode(target)) return target.url;
  return listening.get(target) ?? serveWired(target);
}

function bodyBytes(body: RequestOptions['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Statuses whose response cannot carry a body in the fetch API. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function toResponse(res: IncomingMessage, bytes: Buffer): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const status = res.statusCode ?? 0;
  return new Response(NULL_BODY.has(status) ? null : bytes, { status, statusText: res.statusMessage ?? '', headers });
}

/**
 * One HTTP request to `target` at `path` (with its query string), sent over a real socket.
 * `path` is resolved as a URL is (dot segments, percent-encoding), as `app.request` did.
 */
export async function request(target: Target, path: string, init: RequestOptions = {}): Promise<Response> {
  const base = await baseUrl(target);
  const url = new URL(path, `${base}/`);
  const target_ = new URL(base);
  const method = (init.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const body = bodyBytes(init.body);
  if (body !== undefined) headers['content-length'] = String(body.length);
  const { res, bytes } = await new Promise<{ res: IncomingMessage; bytes: Buffer }>((resolve, reject) => {
    const req = httpRequest(
      { host: target_.hostname, port: target_.port, method, path: `${url.pathname}${url.search}`, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', reject);
        res.once('end', () => resolve({ res, bytes: Buffer.concat(chunks) }));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
  const response = toResponse(res, bytes);
  recordAnswer({ origin: target_.origin, method, url: url.href, status: response.status, headers: response.headers, bytes });
  return response;
}

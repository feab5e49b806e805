import type { Context, MiddlewareHandler } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import { clientAddress } from './client-address.js';
import { CORS_HEADERS, JSON_CONTENT_TYPE, errorBody, isComplete, recordHeader, recordedHeaders, sendBytes, sendEmpty } from './respond.js';

/** What a guard reads of a request: the same whether the framework or the direct path serves it. */
export interface GuardRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** A request header by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined;
  /** Remote address of the TCP connection; `local` for in-process requests. */
  readonly remoteAddress: string;
}

/** The answer that refuses a request: a JSON body in the ResponseStatus format. */
export interface Refusal {
  status: number;
  body: string;
  /** Headers besides CORS and the content type. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * A check every request passes before its handler: a refusal answers the request, `undefined`
 * lets it through. One list of guards, run in order for every route by both ways in (the Hono
 * pipeline below and the direct path of `fast-path.ts`).
 */
export type Guard = (req: GuardRequest) => Refusal | undefined;

/** The first refusal of `guards` for `req`, if any. */
export function firstRefusal(guards: readonly Guard[], req: GuardRequest): Refusal | undefined {
  for (const guard of guards) {
    const refused = guard(req);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/** A Hono request as guards read it. */
class ContextRequest implements GuardRequest {
  constructor(private readonly c: Context) {}
  get method(): string {
    return this.c.req.method;
  }
  get path(): string {
    return this.c.req.path;
  }
  header(name: string): string | undefined {
    return this.c.req.header(name);
  }
  get remoteAddress(): string {
    return clientAddress(this.c);
  }
}

/** The response of a refusal, with CORS and the JSON content type. */
export function refusalResponse(c: Context, refusal: Refusal): Response {
  return sendBytes(c, refusal.body, refusal.status, refusal.headers === undefined ? JSON_ONLY : { ...JSON_ONLY, ...refusal.headers });
}

const JSON_ONLY: Readonly<Record<string, string>> = Object.freeze({ 'content-type': JSON_CONTENT_TYPE });

export interface PipelineOptions {
  metrics: NodeMetrics;
  /** With tracing on, every request gets a SERVER span; off, not even a closure is allocated. */
  tracing?: Tracing | undefined;
  guards: readonly Guard[];
}

/** Request counters and the latency histogram of one route and method, bound once. */
export class RouteMetrics {
  private readonly counts = new Map<number, { inc(): void }>();
  private readonly duration;

  constructor(
    private readonly metrics: NodeMetrics,
    private readonly route: string,
    private readonly method: string,
  ) {
    this.duration = metrics.httpDuration.labels(route, method);
  }

  /** Counts one answered request with status `code` that started at `start` (performance.now()). */
  record(code: number, start: number): void {
    const seconds = (performance.now() - start) / 1000;
    let counter = this.counts.get(code);
    if (counter === undefined) this.counts.set(code, (counter = this.metrics.httpRequests.labels(this.route, this.method, String(code))));
    counter.inc();
    this.duration.observe(seconds);
  }
}

/** Adds CORS and the headers recorded with `c.header` to a response built by Hono itself. */
function complete(res: Response, recorded: Readonly<Record<string, string>> | undefined): void {
  const headers = res.headers;
  for (const name in CORS_HEADERS) headers.set(name, CORS_HEADERS[name]!);
  if (recorded !== undefined) for (const name in recorded) headers.set(name, recorded[name]!);
}

/**
 * The one request pipeline every route goes through, as a single middleware: response headers
 * kept as a plain record, OPTIONS preflight, the guards (shutdown gate, peer authentication,
 * ...: see `Guard`), then the handler, then CORS on the answer and the request metrics under
 * the matched route (the pattern, never the raw path). Folding them into one middleware saves
 * Hono a promise and a dispatch step each.
 */
export function requestPipeline(opts: PipelineOptions): MiddlewareHandler {
  const { metrics, tracing, guards } = opts;
  const bound = new Map<string, RouteMetrics>();
  const record = (c: Context, start: number) => {
    const method = c.req.method;
    // Preflights are answered before any route runs and are not counted.
    if (method === 'OPTIONS') return;
    const route = c.req.routePath;
    const key = `${method} ${route}`;
    let m = bound.get(key);
    if (m === undefined) bound.set(key, (m = new RouteMetrics(metrics, route, method)));
    m.record(c.res.status, start);
  };

  const handle = async (c: Context, next: () => Promise<void>): Promise<Response | undefined> => {
    (c as { header: unknown }).header = recordHeader;
    if (c.req.method === 'OPTIONS') return preflight(c);
    if (guards.length > 0) {
      const refused = firstRefusal(guards, new ContextRequest(c));
      if (refused !== undefined) return refusalResponse(c, refused);
    }
    await next();
    const res = c.res;
    if (!isComplete(res)) complete(res, recordedHeaders(c));
    return undefined;
  };

  if (tracing?.enabled !== true) {
    return async (c, next) => {
      const start = performance.now();
      const refused = await handle(c, next);
      if (refused !== undefined) c.res = refused;
      record(c, start);
    };
  }
  return async (c, next) => {
    const start = performance.now();
    const method = c.req.method;
    const span = tracing.startServerSpan(method, c.req.path, (name) => c.req.header(name));
    try {
      const refused = span === undefined ? await handle(c, next) : await tracing.withSpan(span, () => handle(c, next));
      if (refused !== undefined) c.res = refused;
    } finally {
      if (span !== undefined) tracing.endServerSpan(span, method, c.req.routePath, c.res.status);
    }
    record(c, start);
  };
}

/** OPTIONS answered directly with 200, echoing the requested method and headers, as the reference's filter does. */
function preflight(c: Context): Response {
  const method = c.req.header('access-control-request-method');
  const headers = c.req.header('access-control-request-headers');
  if (method !== undefined) c.header('Access-Control-Allow-Methods', method);
  if (headers !== undefined) c.header('Access-Control-Allow-Headers', headers);
  c.header('Access-Control-Max-Age', '3600');
  return sendEmpty(c, 200);
}

/** While the node shuts down, API requests get 503 and the connection is closed (probes still answer). */
export function refuseWhileStopping(isStopping: () => boolean, probePaths: ReadonlySet<string>): Guard {
  const refusal: Refusal = {
    status: 503,
    body: errorBody(failStatus(ErrorCodes.serviceUnavailable, 'Node is shutting down.')),
    headers: { connection: 'close' },
  };
  return (req) => (isStopping() && !probePaths.has(req.path) ? refusal : undefined);
}

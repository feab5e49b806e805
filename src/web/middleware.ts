import type { Context, Handler } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import { noteServerSpan } from './access-log.js';
import { clientAddress } from './client-address.js';
import type { CorsPolicy } from './browser-safety.js';
import { declaresBody, firstRefusal, type Guard, type GuardRequest, type Refusal } from './guard.js';
import { JSON_CONTENT_TYPE, errorBody, isComplete, recordHeader, recordedHeaders, sendBytes, sendEmpty } from './respond.js';


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
  hasBody(): boolean {
    const incoming = (this.c.env as { incoming?: unknown } | undefined)?.incoming;
    // in-process requests (tests) carry no length header: the web request tells
    if (incoming === undefined) return this.c.req.raw.body !== null;
    return declaresBody(this.c.req.header('content-length'), this.c.req.header('transfer-encoding'));
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
  /** With the access log on (`log.accessLog`), a traced request notes its server span for its access line; off, nothing is noted. */
  accessLog?: boolean | undefined;
  guards: readonly Guard[];
  /** The answer to a handler that threw (the app's error mapper). */
  errorResponse: (c: Context, err: unknown) => Response;
  /** Origins whose pages may read the answers (`cors.allowedOrigins`). */
  cors: CorsPolicy;
}

/** Request counters and the latency histogram of one route and method, bound once. */
export class RouteMetrics {
  private readonly counts = new Map<number, { inc(): void }>();
  private lastCode = -1;
  private last: { inc(): void } | undefined;
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
    // a route answers mostly one status: its counter is kept at hand
    if (code !== this.lastCode) {
      let counter = this.counts.get(code);
      if (counter === undefined) this.counts.set(code, (counter = this.metrics.tally(this.metrics.httpRequests, { route: this.route, method: this.method, code: String(code) })));
      this.lastCode = code;
      this.last = counter;
    }
    this.last!.inc();
    this.duration.observe(seconds);
  }
}

/** The route metrics of one route, bound at mount; a child per method, made on first use. */
class MethodMetrics {
  private get: RouteMetrics | undefined;
  private post: RouteMetrics | undefined;
  private readonly others = new Map<string, RouteMetrics>();

  constructor(
    private readonly metrics: NodeMetrics,
    private readonly route: string,
  ) {}

  of(method: string): RouteMetrics {
    if (method === 'GET') return (this.get ??= new RouteMetrics(this.metrics, this.route, method));
    if (method === 'POST') return (this.post ??= new RouteMetrics(this.metrics, this.route, method));
    let m = this.others.get(method);
    if (m === undefined) this.others.set(method, (m = new RouteMetrics(this.metrics, this.route, method)));
    return m;
  }
}

/** Adds the headers recorded with `c.header` (CORS among them) to a response built by Hono itself. */
function complete(res: Response, recorded: Readonly<Record<string, string>> | undefined): void {
  if (recorded === undefined) return;
  const headers = res.headers;
  for (const name in recorded) headers.set(name, recorded[name]!);
}

/** Records the CORS headers of an allowed origin for the answer (nothing when CORS is off). */
function recordCors(c: Context, cors: CorsPolicy): Readonly<Record<string, string>> | undefined {
  if (!cors.enabled) return undefined;
  const allowed = cors.headersFor(c.req.header('origin'));
  if (allowed !== undefined) for (const name in allowed) c.header(name, allowed[name]);
  return allowed;
}

const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as { then?: unknown } | null)?.then === 'function';
const NO_NEXT = (): Promise<void> => Promise.resolve();

/**
 * The one request pipeline every route goes through: response headers kept as a plain record,
 * CORS for an allowed origin, the guards (shutdown gate, browser checks, peer authentication,
 * ...: see `Guard`), then the handler, then the recorded headers on the answer and the metrics under the route (the pattern, never the raw path).
 *
 * It is not a Hono middleware: `route()` wraps each route's handler when the route is mounted,
 * with its metric children bound there, so every route has exactly one handler. Hono then calls
 * it directly, without its compose chain, and a handler that answers synchronously gives a
 * response that @hono/node-server writes without a promise. `notFound()` runs the same steps for
 * requests no route matched, `preflight` answers OPTIONS on every path.
 */
export class RequestPipeline {
  constructor(private readonly opts: PipelineOptions) {}

  /** `handler` inside the pipeline, counted under `route`. */
  route(route: string, handler: Handler): Handler {
    return this.wrap(new MethodMetrics(this.opts.metrics, route), route, handler);
  }

  /** The fallback of requests no route matched (404 and 405 answers), counted under `route`. */
  notFound(route: string, handler: Handler): (c: Context) => Response | Promise<Response> {
    const wrapped = this.wrap(new MethodMetrics(this.opts.metrics, route), route, handler);
    return (c) => wrapped(c, NO_NEXT) as Response | Promise<Response>;
  }

  private wrap(metrics: MethodMetrics, route: string, handler: Handler): Handler {
    const { guards, errorResponse, tracing, cors } = this.opts;
    const done = (c: Context, res: Response, start: number): Response => {
      if (!isComplete(res)) complete(res, recordedHeaders(c));
      metrics.of(c.req.method).record(res.status, start);
      return res;
    };
    const run = (c: Context, start: number): Response | Promise<Response> => {
      (c as { header: unknown }).header = recordHeader;
      recordCors(c, cors);
      if (guards.length > 0) {
        const refused = firstRefusal(guards, new ContextRequest(c));
        if (refused !== undefined) return done(c, refusalResponse(c, refused), start);
      }
      let res: unknown;
      try {
        res = handler(c, NO_NEXT);
      } catch (err) {
        return done(c, errorResponse(c, err), start);
      }
      if (isPromise(res)) {
        return res.then(
          (r) => done(c, r as Response, start),
          (err: unknown) => done(c, errorResponse(c, err), start),
        );
      }
      return done(c, res as Response, start);
    };
    if (tracing?.enabled !== true) return (c) => run(c, performance.now());
    const noteSpan = this.opts.accessLog === true;
    return async (c) => {
      const start = performance.now();
      const method = c.req.method;
      const span = tracing.startServerSpan(method, c.req.path, (name) => c.req.header(name));
      if (span !== undefined && noteSpan) noteServerSpan((c.env as { incoming?: object } | undefined)?.incoming, span.spanContext());
      let res: Response | undefined;
      try {
        res = span === undefined ? await run(c, start) : await tracing.withSpan(span, () => run(c, start));
        return res;
      } finally {
        if (span !== undefined) tracing.endServerSpan(span, method, route, res?.status ?? 500);
      }
    };
  }
}

/**
 * OPTIONS answered directly with 200; for an allowed origin it echoes the requested method and
 * headers (as the reference's filter does for every origin). A preflight from any other origin
 * gets no CORS header, so the browser does not send the request.
 */
export function preflightFor(cors: CorsPolicy): (c: Context) => Response {
  return (c) => {
    (c as { header: unknown }).header = recordHeader;
    return recordCors(c, cors) === undefined ? sendEmpty(c, 200) : preflight(c);
  };
}

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

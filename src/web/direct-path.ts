import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { ApiRouter } from './api-router.js';
import { readJsonFrom } from './body.js';
import type { Answer, Endpoint, EndpointInput, HttpMethod } from './endpoint.js';
import { JSON_ONLY, missingQuery, replyOf, type EndpointLimits, type Reply } from './endpoint-http.js';
import { declaresBody, firstRefusal, type Guard, type GuardRequest } from './guard.js';
import { RouteMetrics } from './middleware.js';
import type { TurnBudget } from '../core/turn-budget.js';
import type { ErrorAnswer } from './web-app.js';

export interface DirectPathDeps {
  /** The route table: the endpoints to serve are looked up there, with their limits and path variants. */
  router: ApiRouter;
  /** operationIds of the endpoints served directly; each must be mounted on `router`. */
  operations: readonly string[];
  /** The guard chain of the request pipeline (`createWebApp`), run here for every request too. */
  guards: readonly Guard[];
  /** True when some web origin is allowed: requests naming an Origin then go to the framework, which adds CORS. */
  corsEnabled?: boolean;
  metrics: NodeMetrics;
  /** Maps an error to the answer the framework gives (the app's error mapper). */
  errorAnswer: (err: unknown, path: string) => ErrorAnswer;
}

/** The endpoints (by operationId) a node serves by the direct way in: the registry writes and service.json. */
export const DIRECT_OPERATIONS: readonly string[] = ['register', 'heartbeat', 'unregister', 'getService'];

/** Handles a request when it can; false hands it to the framework untouched. */
export type DirectPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The JSON content type as a flat name/value list. */
const JSON_FLAT: readonly string[] = Object.entries(JSON_ONLY).flat();

/**
 * Writes a reply as one `writeHead` of a flat header list (no CORS: requests naming an Origin
 * take the framework when CORS is on). node:http joins a text body to the head in one string;
 * `write` queues it behind a cork, which is lifted at once, so it leaves in one plain write and
 * the bare `end` has nothing left to send (`end(text)` would add an empty chunk and write both
 * with a `writev`). Bytes go with `end(bytes)`, which writes the head and the bytes together.
 */
function write(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array | null): void {
  let flat: string[];
  if (headers === JSON_ONLY) flat = JSON_FLAT.slice();
  else {
    flat = [];
    for (const name in headers) flat.push(name, headers[name]!);
  }
  if (body !== null) flat.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
  res.writeHead(status, flat);
  if (typeof body === 'string') {
    res.write(body);
    res.socket?.uncork();
    res.end();
  } else res.end(body ?? undefined);
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as { then?: unknown }).then === 'function';

/** The query of a request, read as URLSearchParams reads it. */
interface QueryValues {
  get(name: string): string | null;
  getAll(name: string): string[];
}

/**
 * A query string without escapes (`%`, `+`): name/value pairs split on `&` and the first `=`,
 * empty pairs skipped, which is what URLSearchParams gives for it, without its decoding work.
 */
class PlainQuery implements QueryValues {
  private readonly pairs: string[] = [];

  constructor(search: string) {
    let start = 0;
    while (start <= search.length) {
      let end = search.indexOf('&', start);
      if (end < 0) end = search.length;
      if (end > start) {
        const eq = search.indexOf('=', start);
        if (eq < 0 || eq > end) this.pairs.push(search.slice(start, end), '');
        else this.pairs.push(search.slice(start, eq), search.slice(eq + 1, end));
      }
      start = end + 1;
    }
  }

  get(name: string): string | null {
    for (let i = 0; i < this.pairs.length; i += 2) if (this.pairs[i] === name) return this.pairs[i + 1]!;
    return null;
  }

  getAll(name: string): string[] {
    const all: string[] = [];
    for (let i = 0; i < this.pairs.length; i += 2) if (this.pairs[i] === name) all.push(this.pairs[i + 1]!);
    return all;
  }
}

/** The query reader of a request target's search part (without `?`). */
export function queryOf(search: string): QueryValues {
  return search.includes('%') || search.includes('+') ? new URLSearchParams(search) : new PlainQuery(search);
}

/** A Node request as the guards and the endpoint see it: one object per request. */
class NodeInput implements EndpointInput, GuardRequest {
  private params: QueryValues | undefined;

  constructor(
    private readonly req: IncomingMessage,
    readonly method: HttpMethod,
    readonly path: string,
    private readonly search: string,
    readonly prefix: string,
    private readonly maxBodyBytes: number,
    private readonly turns: TurnBudget | undefined,
  ) {}

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  get remoteAddress(): string {
    return this.req.socket.remoteAddress ?? 'local';
  }

  get clientAddress(): string {
    return this.remoteAddress;
  }

  hasBody(): boolean {
    return declaresBody(this.req.headers['content-length'], this.req.headers['transfer-encoding']);
  }

  private searchParams(): QueryValues {
    return (this.params ??= queryOf(this.search));
  }

  query(name: string): string | undefined {
    return this.searchParams().get(name) ?? undefined;
  }

  queries(name: string): string[] | undefined {
    const all = this.searchParams().getAll(name);
    return all.length === 0 ? undefined : all;
  }

  requiredQuery(name: string): string {
    const value = this.query(name);
    if (value === undefined) throw missingQuery(name);
    return value;
  }

  body(): Promise<unknown> {
    return readJsonFrom(this, this.req, this.maxBodyBytes, this.turns);
  }
}

/**
 * One endpoint under one method and path variant: the endpoint record's own handler, the
 * limits it was mounted with and the route metrics of that variant, bound once.
 */
class DirectRoute {
  private readonly metrics: RouteMetrics;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly method: HttpMethod,
    private readonly prefix: string,
    private readonly limits: EndpointLimits,
    private readonly deps: DirectPathDeps,
    path: string,
  ) {
    this.metrics = new RouteMetrics(deps.metrics, path, method);
  }

  serve(req: IncomingMessage, res: ServerResponse, path: string, search: string): void {
    const start = performance.now();
    const input = new NodeInput(req, this.method, path, search, this.prefix, this.limits.maxBodyBytes, this.limits.turns);
    const refusal = firstRefusal(this.deps.guards, input);
    if (refusal !== undefined) {
      write(res, refusal.status, refusal.headers === undefined ? JSON_ONLY : { ...JSON_ONLY, ...refusal.headers }, refusal.body);
      this.metrics.record(refusal.status, start);
      return;
    }
    let answer: Answer | Promise<Answer>;
    try {
      answer = this.endpoint.handle(input);
    } catch (err) {
      this.fail(res, err, path, start);
      return;
    }
    if (isPromise(answer)) {
      answer.then(
        (a) => this.answer(res, input, a, start),
        (err: unknown) => this.fail(res, err, path, start),
      );
    } else this.answer(res, input, answer, start);
  }

  private answer(res: ServerResponse, input: NodeInput, answer: Answer, start: number): void {
    let reply: Reply | Promise<Reply>;
    try {
      reply = replyOf(answer, input, this.limits.gzipMinBytes);
    } catch (err) {
      this.fail(res, err, input.path, start);
      return;
    }
    if (isPromise(reply)) {
      reply.then(
        (r) => this.send(res, r, start),
        (err: unknown) => this.fail(res, err, input.path, start),
      );
    } else this.send(res, reply, start);
  }

  private send(res: ServerResponse, reply: Reply, start: number): void {
    write(res, reply.status, reply.headers, reply.body);
    this.metrics.record(reply.status, start);
  }

  private fail(res: ServerResponse, err: unknown, path: string, start: number): void {
    const answer = this.deps.errorAnswer(err, path);
    if (!res.headersSent) write(res, answer.status, JSON_ONLY, answer.body);
    else res.destroy();
    this.metrics.record(answer.status, start);
  }
}

/**
 * A direct `node:http` way in for the busiest endpoints, chosen by operationId from the route
 * table: no web Request, no Context and no promise chain of the framework per request. It is not
 * a second pipeline. It serves the endpoint records the router mounted, under the path variants
 * and with the limits the router gave them; it runs the pipeline's guard chain first; the
 * handler, the body reader, the reply (status, headers, bytes) and the error answers are the
 * framework's own (endpoint-http.ts, body.ts, web-app.ts), so both ways answer alike by
 * construction. Other methods and paths are left to the framework.
 */
export function createDirectPath(deps: DirectPathDeps): DirectPath {
  const served = deps.metrics.tally(deps.metrics.httpDirectRequests, {});
  const corsEnabled = deps.corsEnabled === true;
  const gets = new Map<string, DirectRoute>();
  const posts = new Map<string, DirectRoute>();
  for (const operationId of deps.operations) {
    const mounted = deps.router.mounted(operationId);
    if (mounted === undefined) throw new Error(`direct path: ${operationId} is not in the route table`);
    const { endpoint, limits } = mounted;
    // Peer calls are checked over their raw body where the records are mounted: never here.
    if (endpoint.access === 'peer-only') throw new Error(`direct path: ${operationId} is peer-only`);
    for (const method of endpoint.methods) {
      for (const v of deps.router.prefixedVariants(endpoint.path)) (method === 'GET' ? gets : posts).set(v.path, new DirectRoute(endpoint, method, v.prefix, limits, deps, v.path));
    }
  }
  return (req, res) => {
    const routes = req.method === 'GET' ? gets : req.method === 'POST' ? posts : undefined;
    if (routes === undefined) return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const route = routes.get(path);
    if (route === undefined) return false;
    if (corsEnabled && req.headers.origin !== undefined) return false;
    served.inc();
    route.serve(req, res, path, q < 0 ? '' : url.slice(q + 1));
    return true;
  };
}

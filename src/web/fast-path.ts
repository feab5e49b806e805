import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import type { EncodedBody } from '../cache/encoded-body.js';
import type { DiscoveryService } from '../discovery/discovery-service.js';
import type { ClientRateLimiter } from '../ratelimit/rate-limiter.js';
import { RATE_LIMITED_RESPONSE_JSON, SUCCESS_RESPONSE, SUCCESS_RESPONSE_JSON, type RegistryOperation, type RegistryService } from '../registry/registry-service.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { ApiRouter, HttpMethod } from './api-router.js';
import { decodeJsonBytes, parseJsonBytes, readIncomingCapped } from './body.js';
import { acceptsGzip, matchesTag } from './discovery-routes.js';
import { firstRefusal, RouteMetrics, type Guard, type GuardRequest } from './middleware.js';
import { CORS_HEADERS, JSON_CONTENT_TYPE } from './respond.js';
import type { ErrorAnswer } from './web-app.js';

export interface FastPathDeps {
  /** The route table: the direct path serves only endpoints declared there, under their variants. */
  router: ApiRouter;
  /** The guard chain of the request pipeline (`createWebApp`), run here for every request too. */
  guards: readonly Guard[];
  registry: RegistryService;
  clientLimiter: ClientRateLimiter;
  discovery: DiscoveryService;
  metrics: NodeMetrics;
  maxBodyBytes: number;
  gzipMinBytes: number;
  /** Maps an error to the response the framework path would give. */
  errorAnswer: (err: unknown, path: string) => ErrorAnswer;
}

/** Handles a request when it can; false hands it to the framework untouched. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Answers one request and records it on `route` (also on failure). */
type Handler = (req: IncomingMessage, res: ServerResponse, route: FastRoute, query: string, start: number) => void;

interface FastRoute {
  done(code: number, start: number): void;
  fail(res: ServerResponse, err: unknown, start: number): void;
}

/** The pipeline's CORS headers as a flat name/value list. */
const CORS = Object.entries(CORS_HEADERS).flat();

/** The success body as text: Node writes headers and a string body in one write. */
const SUCCESS_TEXT = SUCCESS_RESPONSE_JSON.toString('utf8');
/** Headers of the success answer, built once. */
const SUCCESS_HEADERS = [...CORS, 'content-type', JSON_CONTENT_TYPE, 'content-length', String(SUCCESS_RESPONSE_JSON.length)];

/** Writes a JSON (or empty) answer; headers as a flat name/value list, no per-request objects. */
function send(res: ServerResponse, status: number, body: Buffer | string | null, extra?: string[]): void {
  const headers = extra === undefined ? [...CORS] : [...CORS, ...extra];
  if (body !== null) headers.push('content-type', JSON_CONTENT_TYPE, 'content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
  res.writeHead(status, headers);
  res.end(body ?? undefined);
}

/** True for the JSON content types the framework path accepts (absent counts). */
function isPlainJson(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '') return true;
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' && !contentType.includes(',');
}

/** A Node request as the pipeline's guards read it. */
class NodeRequest implements GuardRequest {
  constructor(
    private readonly req: IncomingMessage,
    readonly method: string,
    readonly path: string,
  ) {}
  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  get remoteAddress(): string {
    return this.req.socket.remoteAddress ?? 'local';
  }
}

/**
 * A direct `node:http` path for the hottest routes (register / heartbeat / unregister and GET
 * service.json), answering exactly what the Hono routes answer but without a web Request, a
 * Context or a promise chain per request. It is not a second pipeline: it serves only endpoints
 * of the route table, under the variants the router gives them, runs the pipeline's guard chain
 * first, and shares its CORS headers, route metrics, body reader and error answers. Anything
 * unusual (another content type or encoding, a missing parameter) is left to the framework
 * before a byte of the body is read.
 */
export function createFastPath(deps: FastPathDeps): FastPath {
  const served = new Counter({
    name: 'artemis_http_fast_path_requests_total',
    help: 'Requests answered by the direct node:http path (the rest go through the framework).',
    registers: [deps.metrics.registry],
  });

  /** Per route variant: its handler and the pipeline's metrics of that route pattern. */
  class Route {
    private readonly metrics: RouteMetrics;

    constructor(
      readonly path: string,
      method: string,
      readonly handler: Handler,
    ) {
      this.metrics = new RouteMetrics(deps.metrics, path, method);
    }

    done(code: number, start: number): void {
      this.metrics.record(code, start);
    }

    fail(res: ServerResponse, err: unknown, start: number): void {
      const answer = deps.errorAnswer(err, this.path);
      if (!res.headersSent) send(res, answer.status, answer.body);
      else res.destroy();
      this.done(answer.status, start);
    }
  }

  const routes = new Map<string, Route>();
  const add = (method: HttpMethod, path: string, handler: Handler) => {
    if (!deps.router.routes.some((r) => r.method === method && r.path === path)) throw new Error(`direct path: ${method} ${path} is not in the route table`);
    for (const p of deps.router.variants(path)) routes.set(`${method} ${p}`, new Route(p, method, handler));
  };

  const answerRegistry = (operation: RegistryOperation, res: ServerResponse, body: unknown): void => {
    const response = deps.registry.handle(operation, body, true);
    if (response === SUCCESS_RESPONSE) {
      res.writeHead(200, SUCCESS_HEADERS);
      res.end(SUCCESS_TEXT);
    } else {
      send(res, 200, JSON.stringify(response));
    }
  };

  const registryOp =
    (operation: RegistryOperation): Handler =>
    (req, res, route, _query, start) => {
      if (!deps.clientLimiter.tryAcquire(req.socket.remoteAddress ?? 'local')) {
        send(res, 200, RATE_LIMITED_RESPONSE_JSON);
        route.done(200, start);
        return;
      }
      const gzipped = req.headers['content-encoding'] === 'gzip';
      readIncomingCapped(req, deps.maxBodyBytes)
        .then((bytes) => (gzipped ? decodeJsonBytes(bytes, true, deps.maxBodyBytes) : parseJsonBytes(bytes)))
        .then((body) => {
          answerRegistry(operation, res, body);
          route.done(200, start);
        })
        .catch((e: unknown) => route.fail(res, e, start));
    };
  for (const op of ['register', 'heartbeat', 'unregister'] as const) add('POST', `/api/registry/${op}.json`, registryOp(op));

  const getService: Handler = (req, res, route, query, start) => {
    const params = new URLSearchParams(query);
    const body: EncodedBody = deps.discovery.getService({
      discoveryConfig: { discoveryData: null, regionId: null, serviceId: params.get('serviceId') as string, zoneId: null },
      regionId: params.get('regionId'),
      zoneId: params.get('zoneId'),
    });
    const headers: string[] = [];
    if (body.etag !== null) {
      headers.push('etag', body.etag);
      if (matchesTag(req.headers['if-none-match'], body.etag)) {
        send(res, 304, null, headers);
        route.done(304, start);
        return;
      }
    }
    if (body.bytes.length > deps.gzipMinBytes) {
      headers.push('vary', 'Accept-Encoding');
      if (acceptsGzip(req.headers['accept-encoding'])) {
        headers.push('content-encoding', 'gzip');
        body.gzip().then(
          (zipped) => {
            send(res, 200, zipped, headers);
            route.done(200, start);
          },
          (e: unknown) => route.fail(res, e, start),
        );
        return;
      }
    }
    send(res, 200, body.bytes, headers);
    route.done(200, start);
  };
  add('GET', '/api/discovery/service.json', getService);

  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const method = req.method ?? '';
    const path = q < 0 ? url : url.slice(0, q);
    const route = routes.get(`${method} ${path}`);
    if (route === undefined) return false;
    const query = q < 0 ? '' : url.slice(q + 1);
    if (method === 'POST') {
      const encoding = req.headers['content-encoding'];
      if (!isPlainJson(req.headers['content-type']) || (encoding !== undefined && encoding !== 'gzip')) return false;
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > deps.maxBodyBytes) return false;
    } else if (!/(?:^|&)serviceId=/.test(query)) {
      return false;
    }
    served.inc();
    const start = performance.now();
    const refusal = firstRefusal(deps.guards, new NodeRequest(req, method, path));
    if (refusal !== undefined) {
      send(res, refusal.status, refusal.body, refusal.headers === undefined ? undefined : Object.entries(refusal.headers).flat());
      route.done(refusal.status, start);
      return true;
    }
    try {
      route.handler(req, res, route, query, start);
    } catch (err) {
      route.fail(res, err, start);
    }
    return true;
  };
}

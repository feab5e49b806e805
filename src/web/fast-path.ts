import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import type { EncodedBody } from '../cache/encoded-body.js';
import { PayloadTooLargeError } from '../core/errors.js';
import type { DiscoveryService } from '../discovery/discovery-service.js';
import type { ClientRateLimiter } from '../ratelimit/rate-limiter.js';
import { RATE_LIMITED_RESPONSE_JSON, SUCCESS_RESPONSE, SUCCESS_RESPONSE_JSON, type RegistryOperation, type RegistryService } from '../registry/registry-service.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import { acceptsGzip, matchesTag } from './discovery-routes.js';
import { decodeJsonBytes, parseJsonBytes } from './body.js';
import { JSON_CONTENT_TYPE } from './respond.js';
import type { ErrorAnswer } from './web-app.js';

export interface FastPathDeps {
  contextPath: string;
  registry: RegistryService;
  clientLimiter: ClientRateLimiter;
  discovery: DiscoveryService;
  metrics: NodeMetrics;
  maxBodyBytes: number;
  gzipMinBytes: number;
  /** True while the node shuts down: the framework path answers (503). */
  isStopping: () => boolean;
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

const CORS = ['access-control-allow-origin', '*', 'access-control-expose-headers', '*', 'access-control-allow-credentials', 'true'];

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

/** Reads the whole body, at most `maxBytes`; calls back once with the bytes or an error. */
function readCapped(req: IncomingMessage, maxBytes: number, done: (err: Error | null, bytes: Buffer | null) => void): void {
  let first: Buffer | null = null;
  let more: Buffer[] | null = null;
  let total = 0;
  let failed = false;
  const onData = (chunk: Buffer) => {
    total += chunk.length;
    if (total > maxBytes) {
      failed = true;
      req.off('data', onData);
      req.resume();
      done(new PayloadTooLargeError(maxBytes), null);
      return;
    }
    if (first === null) first = chunk;
    else (more ??= [first]).push(chunk);
  };
  req.on('data', onData);
  req.once('end', () => {
    if (!failed) done(null, more !== null ? Buffer.concat(more, total) : (first ?? Buffer.alloc(0)));
  });
  req.once('error', (err) => {
    if (!failed) {
      failed = true;
      done(err, null);
    }
  });
}

/**
 * A direct `node:http` path for the hottest routes (register / heartbeat / unregister and GET
 * service.json), answering exactly what the Hono routes answer but without converting the
 * request to a web Request and back. Anything unusual (another content type or encoding, a
 * missing parameter, shutdown) is left to the framework before a byte of the body is read.
 */
export function createFastPath(deps: FastPathDeps): FastPath {
  const served = new Counter({
    name: 'artemis_http_fast_path_requests_total',
    help: 'Requests answered by the direct node:http path (the rest go through the framework).',
    registers: [deps.metrics.registry],
  });

  /** Per route: the metric children bound once, so a request does not hash label sets. */
  class Route {
    private readonly counts = new Map<number, { inc(): void }>();
    private readonly duration;

    constructor(
      readonly path: string,
      readonly method: string,
      readonly handler: Handler,
    ) {
      this.duration = deps.metrics.httpDuration.labels(path, method);
    }

    /** Records one answered request that started at `start` (performance.now()). */
    done(code: number, start: number): void {
      let counter = this.counts.get(code);
      if (counter === undefined) this.counts.set(code, (counter = deps.metrics.httpRequests.labels(this.path, this.method, String(code))));
      counter.inc();
      this.duration.observe((performance.now() - start) / 1000);
    }

    fail(res: ServerResponse, err: unknown, start: number): void {
      const answer = deps.errorAnswer(err, this.path);
      if (!res.headersSent) send(res, answer.status, answer.body);
      else res.destroy();
      this.done(answer.status, start);
    }
  }

  const routes = new Map<string, Route>();
  const add = (method: string, path: string, handler: Handler) => {
    const bare = path.slice(0, -'.json'.length);
    for (const p of [path, bare]) {
      routes.set(`${method} ${p}`, new Route(p, method, handler));
      if (deps.contextPath !== '') routes.set(`${method} ${deps.contextPath}${p}`, new Route(`${deps.contextPath}${p}`, method, handler));
    }
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
      readCapped(req, deps.maxBodyBytes, (err, bytes) => {
        if (err !== null || bytes === null) {
          route.fail(res, err, start);
          return;
        }
        if (gzipped) {
          decodeJsonBytes(bytes, true, deps.maxBodyBytes).then(
            (body) => {
              try {
                answerRegistry(operation, res, body);
                route.done(200, start);
              } catch (e) {
                route.fail(res, e, start);
              }
            },
            (e: unknown) => route.fail(res, e, start),
          );
          return;
        }
        try {
          answerRegistry(operation, res, parseJsonBytes(bytes));
          route.done(200, start);
        } catch (e) {
          route.fail(res, e, start);
        }
      });
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
    const route = routes.get(`${method} ${q < 0 ? url : url.slice(0, q)}`);
    if (route === undefined || deps.isStopping()) return false;
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
    try {
      route.handler(req, res, route, query, start);
    } catch (err) {
      route.fail(res, err, start);
    }
    return true;
  };
}

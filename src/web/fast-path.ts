import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { gunzip } from 'node:zlib';
import { Counter } from 'prom-client';
import { promisify } from 'node:util';
import type { EncodedBody } from '../cache/encoded-body.js';
import { BadRequestError, PayloadTooLargeError } from '../core/errors.js';
import { RATE_LIMITED } from '../core/response-status.js';
import { registryResponse } from '../core/wire/registry-messages.js';
import type { DiscoveryService } from '../discovery/discovery-service.js';
import type { ClientRateLimiter } from '../ratelimit/rate-limiter.js';
import { SUCCESS_RESPONSE, SUCCESS_RESPONSE_JSON, type RegistryOperation, type RegistryService } from '../registry/registry-service.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import { acceptsGzip, matchesTag } from './discovery-routes.js';
import { JSON_CONTENT_TYPE } from './respond.js';
import type { ErrorAnswer } from './web-app.js';

const gunzipAsync = promisify(gunzip);

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

type Handler = (req: IncomingMessage, res: ServerResponse, route: string, query: string) => Promise<number>;

const CORS: OutgoingHttpHeaders = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': '*',
  'access-control-allow-credentials': 'true',
};

const RATE_LIMITED_JSON = Buffer.from(JSON.stringify(registryResponse(RATE_LIMITED)));

function send(res: ServerResponse, status: number, body: Buffer | string | null, extra?: OutgoingHttpHeaders): void {
  const headers: OutgoingHttpHeaders = { ...CORS, ...extra };
  if (body !== null) {
    headers['content-type'] = JSON_CONTENT_TYPE;
    headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  }
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

function readCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        req.off('data', onData);
        req.resume();
        reject(new PayloadTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total)));
    req.once('error', reject);
  });
}

async function readJson(req: IncomingMessage, maxBytes: number, gzipped: boolean): Promise<unknown> {
  let bytes = await readCapped(req, maxBytes);
  if (gzipped) {
    try {
      bytes = await gunzipAsync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLargeError(maxBytes);
      throw new BadRequestError(`Request body is not valid gzip: ${(err as Error).message}`, { httpStatus: 400, cause: err });
    }
  }
  if (bytes.length === 0) return null;
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new BadRequestError(`Request body is not valid JSON: ${(err as Error).message}`, { httpStatus: 400, cause: err });
  }
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
  const routes = new Map<string, [string, Handler]>();
  const add = (method: string, path: string, handler: Handler) => {
    const bare = path.slice(0, -'.json'.length);
    for (const p of [path, bare]) {
      routes.set(`${method} ${p}`, [p, handler]);
      if (deps.contextPath !== '') routes.set(`${method} ${deps.contextPath}${p}`, [`${deps.contextPath}${p}`, handler]);
    }
  };

  const registryOp =
    (operation: RegistryOperation): Handler =>
    async (req, res) => {
      if (!deps.clientLimiter.tryAcquire(req.socket.remoteAddress ?? 'local')) {
        send(res, 200, RATE_LIMITED_JSON);
        return 200;
      }
      const body = await readJson(req, deps.maxBodyBytes, req.headers['content-encoding'] === 'gzip');
      const response = deps.registry.handle(operation, body, true);
      send(res, 200, response === SUCCESS_RESPONSE ? SUCCESS_RESPONSE_JSON : JSON.stringify(response));
      return 200;
    };
  for (const op of ['register', 'heartbeat', 'unregister'] as const) add('POST', `/api/registry/${op}.json`, registryOp(op));

  const getService: Handler = async (req, res, _route, query) => {
    const params = new URLSearchParams(query);
    const serviceId = params.get('serviceId') as string;
    const body: EncodedBody = deps.discovery.getService({
      discoveryConfig: { discoveryData: null, regionId: null, serviceId, zoneId: null },
      regionId: params.get('regionId'),
      zoneId: params.get('zoneId'),
    });
    const headers: OutgoingHttpHeaders = {};
    if (body.etag !== null) {
      headers['etag'] = body.etag;
      if (matchesTag(req.headers['if-none-match'], body.etag)) {
        send(res, 304, null, headers);
        return 304;
      }
    }
    if (body.bytes.length <= deps.gzipMinBytes) {
      send(res, 200, body.bytes, headers);
      return 200;
    }
    headers['vary'] = 'Accept-Encoding';
    if (!acceptsGzip(req.headers['accept-encoding'])) {
      send(res, 200, body.bytes, headers);
      return 200;
    }
    headers['content-encoding'] = 'gzip';
    send(res, 200, await body.gzip(), headers);
    return 200;
  };
  add('GET', '/api/discovery/service.json', getService);

  const run = async (req: IncomingMessage, res: ServerResponse, route: string, handler: Handler, query: string, method: string) => {
    const start = performance.now();
    let code: number;
    try {
      code = await handler(req, res, route, query);
    } catch (err) {
      const answer = deps.errorAnswer(err, route);
      code = answer.status;
      if (!res.headersSent) send(res, answer.status, answer.body);
      else res.destroy();
    }
    deps.metrics.httpRequests.inc({ route, method, code: String(code) });
    deps.metrics.httpDuration.observe({ route, method }, (performance.now() - start) / 1000);
  };

  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? '';
    const hit = routes.get(`${method} ${path}`);
    if (hit === undefined || deps.isStopping()) return false;
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
    void run(req, res, hit[0], hit[1], query, method);
    return true;
  };
}

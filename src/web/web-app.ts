import { Hono, type Context } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { RegistryError } from '../core/errors.js';
import { failStatus, toResponseStatus } from '../core/response-status.js';
import type { Logger } from '../telemetry/logger.js';
import { errorFields } from '../telemetry/logger.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { EndpointAuthorizer } from './access.js';
import { ApiRouter } from './api-router.js';
import { CorsPolicy } from './browser-safety.js';
import type { Guard } from './guard.js';
import { preflightFor, refuseWhileStopping, RequestPipeline } from './middleware.js';
import { errorBody, sendJsonBytes } from './respond.js';

export interface WebAppOptions {
  contextPath: string;
  metrics: NodeMetrics;
  logger: Logger;
  isStopping: () => boolean;
  /** With tracing on, every request gets a SERVER span; off, the pipeline makes no tracing call. */
  tracing?: Tracing;
  /** The access log is on (`log.accessLog`): traced requests note their span ids for it. */
  accessLog?: boolean;
  /** Checks every request passes after the shutdown gate, in order (see `Guard`). */
  guards?: readonly Guard[];
  /** Enforces the access class of management-write and admin records (web/access.ts). */
  authorize?: EndpointAuthorizer;
  /** Origins whose pages may read the answers; none when absent. */
  cors?: CorsPolicy;
}

const NO_CORS = new CorsPolicy({ allowedOrigins: [] });

/** Status and body of the answer to a failed request. */
export interface ErrorAnswer {
  status: number;
  body: string;
}

/**
 * Maps an error to its answer: a RegistryError keeps its code and HTTP status (one that broke a
 * resource limit is counted under the limit's key); anything else is a bug, logged with an id
 * that the 500 answer carries.
 */
function errorAnswerer(logger: Logger, metrics: NodeMetrics): (err: unknown, path: string) => ErrorAnswer {
  return (err, path) => {
    if (err instanceof RegistryError) {
      if (err.limit !== undefined) metrics.limitRefusals.inc({ limit: err.limit });
      if (err.httpStatus !== 200) logger.debug({ path, code: err.errorCode, status: err.httpStatus }, err.message);
      return { status: err.httpStatus, body: errorBody(toResponseStatus(err)) };
    }
    const status = toResponseStatus(err, (e, errorId) =>
      logger.error({ ...errorFields(e), errorId, path }, 'unexpected error while handling a request'),
    );
    return { status: 500, body: errorBody(status) };
  };
}

/**
 * The Hono application shell: the one request pipeline (CORS, request metrics, tracing, the
 * shutdown gate and the other guards) that wraps every route the router mounts, the preflight
 * answer, the 404 and 405 answers, and one error mapper that answers every failure in the
 * ResponseStatus format. Route modules attach to `router`; `guards` is the chain the pipeline
 * runs and `errorAnswer` its error mapper, for the direct path to run and answer the same.
 */
export function createWebApp(opts: WebAppOptions): { app: Hono; router: ApiRouter; guards: readonly Guard[]; errorAnswer: (err: unknown, path: string) => ErrorAnswer } {
  const app = new Hono();
  const probes = new Set(['/health', '/ready', '/metrics'].flatMap((p) => (opts.contextPath === '' ? [p] : [p, `${opts.contextPath}${p}`])));
  const guards = [refuseWhileStopping(opts.isStopping, probes), ...(opts.guards ?? [])];
  const answer = errorAnswerer(opts.logger, opts.metrics);
  const errorResponse = (c: Context, err: unknown): Response => {
    const { status, body } = answer(err, c.req.path);
    return sendJsonBytes(c, body, status);
  };
  const cors = opts.cors ?? NO_CORS;
  const pipeline = new RequestPipeline({ metrics: opts.metrics, tracing: opts.tracing, accessLog: opts.accessLog, guards, errorResponse, cors });
  app.options('*', preflightFor(cors));
  // Routes catch their own errors inside the pipeline; this only answers a failure of Hono itself.
  app.onError((err, c) => errorResponse(c, err));

  const router = new ApiRouter(app, opts.contextPath, pipeline, opts.authorize);
  const noEndpoint = pipeline.notFound('/*', (c) =>
    sendJsonBytes(c, errorBody(failStatus(ErrorCodes.badRequest, `No endpoint at ${c.req.method} ${c.req.path}.`)), 404),
  );
  app.notFound((c) => (router.notAllowed(c.req.path) ?? noEndpoint)(c));

  return { app, router, guards, errorAnswer: answer };
}

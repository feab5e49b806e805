import type { MiddlewareHandler } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import { errorBody, sendJsonBytes } from './respond.js';

/**
 * Cross-origin headers on every response; OPTIONS answered directly with 200, echoing the
 * requested method and headers, as the reference's filter does.
 */
export const cors: MiddlewareHandler = async (c, next) => {
  c.header('Access-Control-Allow-Origin', '*');
  c.header('Access-Control-Expose-Headers', '*');
  c.header('Access-Control-Allow-Credentials', 'true');
  if (c.req.method === 'OPTIONS') {
    const method = c.req.header('access-control-request-method');
    const headers = c.req.header('access-control-request-headers');
    if (method !== undefined) c.header('Access-Control-Allow-Methods', method);
    if (headers !== undefined) c.header('Access-Control-Allow-Headers', headers);
    c.header('Access-Control-Max-Age', '3600');
    return c.body(null, 200);
  }
  await next();
};

/** Requests and latency per matched route (the route pattern, never the raw path). */
export function requestMetrics(metrics: NodeMetrics): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const route = c.req.routePath;
    const method = c.req.method;
    metrics.httpRequests.inc({ route, method, code: String(c.res.status) });
    metrics.httpDuration.observe({ route, method }, (performance.now() - start) / 1000);
  };
}

/**
 * One SERVER span per request, continuing the caller's trace (`traceparent`), named after the
 * matched route; the handler runs with it as the current span. Installed only with tracing on.
 */
export function requestSpans(tracing: Tracing): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    const span = tracing.startServerSpan(method, c.req.path, (name) => c.req.header(name));
    if (span === undefined) return next();
    try {
      await tracing.withSpan(span, next);
    } finally {
      tracing.endServerSpan(span, method, c.req.routePath, c.res.status);
    }
  };
}

/** While the node shuts down, API requests get 503 and the connection is closed (probes still answer). */
export function refuseWhileStopping(isStopping: () => boolean, probePaths: ReadonlySet<string>): MiddlewareHandler {
  const body = errorBody(failStatus(ErrorCodes.serviceUnavailable, 'Node is shutting down.'));
  return async (c, next) => {
    if (isStopping() && !probePaths.has(c.req.path)) {
      c.header('Connection', 'close');
      return sendJsonBytes(c, body, 503);
    }
    await next();
  };
}

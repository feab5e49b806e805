import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../telemetry/logger.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** What the access log reads of the route table: each route's canonical path and the paths it answers on. */
export interface RouteTable {
  readonly routes: Iterable<{ readonly path: string }>;
  variants(path: string): Iterable<string>;
}

/** The trace and span id of a request's server span, by its Node request. */
const serverSpans = new WeakMap<object, { traceId: string; spanId: string }>();

/** Notes the server span of a request (its Node request, when it has one), for its access line. */
export function noteServerSpan(incoming: object | undefined, span: { traceId: string; spanId: string }): void {
  if (incoming !== undefined) serverSpans.set(incoming, { traceId: span.traceId, spanId: span.spanId });
}

/**
 * The access log: one info line per HTTP request when it has been answered (or the client went
 * away), with method, route (the endpoint's canonical path; the raw path when no endpoint
 * matched), path, status, duration, client address, and the trace and span id of the request's
 * server span when it was traced. It wraps the node's request listener, so
 * both ways in (the direct path and the framework) are logged; without it nothing is added to a
 * request at all.
 */
export function withAccessLog(listener: Listener, logger: Logger, router: RouteTable): Listener {
  let routes: Map<string, string> | undefined;
  const routeOf = (path: string): string => {
    if (routes === undefined) {
      routes = new Map();
      for (const r of router.routes) for (const v of router.variants(r.path)) routes.set(v, r.path);
    }
    return routes.get(path) ?? path;
  };
  const log = logger.child({ event: 'access' });
  return (req, res) => {
    const start = performance.now();
    res.once('close', () => {
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      log.info(
        {
          method: req.method,
          route: routeOf(path),
          path,
          status: res.statusCode,
          durationMs: Math.round((performance.now() - start) * 1000) / 1000,
          address: req.socket.remoteAddress ?? 'local',
          ...(res.writableFinished ? {} : { aborted: true }),
          ...serverSpans.get(req),
        },
        'request',
      );
    });
    listener(req, res);
  };
}

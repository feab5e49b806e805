import type { Context, Handler, Hono } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import { mountEnforced, type EndpointAuthorizer } from './access.js';
import type { AccessClass, Endpoint, HttpMethod } from './endpoint.js';
import { endpointHandler, type EndpointLimits } from './endpoint-http.js';
import type { RequestPipeline } from './middleware.js';
import { errorBody, sendJsonBytes } from './respond.js';

export type { HttpMethod } from './endpoint.js';

/** A route as the API documents it: one canonical path per endpoint. */
export interface RouteRecord {
  method: HttpMethod;
  path: string;
}

/**
 * Registers each API endpoint under every path a client may use: the canonical path, the same
 * without the `.json` suffix, and both again below the configured context path. Other methods
 * on those paths answer 405 in the ResponseStatus format. Every route runs inside the request
 * pipeline (guards, CORS, metrics), wrapped when it is mounted. Records the canonical routes so the
 * OpenAPI document can be checked against what the server answers.
 */
export class ApiRouter {
  readonly routes: RouteRecord[] = [];
  /** The endpoint records mounted with `mount`, in order: the OpenAPI document is generated from them. */
  readonly endpoints: Endpoint[] = [];
  /** Each mounted endpoint with the limits it was mounted with, by operationId. */
  private readonly byOperation = new Map<string, { endpoint: Endpoint; limits: EndpointLimits }>();

  /** Per path variant, the 405 answer to a method it does not have (run by the app's not-found fallback). */
  private readonly wrongMethod = new Map<string, (c: Context) => Response | Promise<Response>>();
  private readonly methodsOf = new Map<string, HttpMethod[]>();
  /** The access class of every path variant mounted. */
  private readonly access = new Map<string, AccessClass>();

  /**
   * @param authorize - wraps the handler of every management-write and admin record (see
   *   web/access.ts); without it such records cannot be mounted.
   */
  constructor(
    private readonly app: Hono,
    private readonly contextPath: string,
    private readonly pipeline: RequestPipeline,
    private readonly authorize?: EndpointAuthorizer,
  ) {}

  /** The access class of the endpoint a path (any variant) leads to. */
  accessOf(path: string): AccessClass | undefined {
    return this.access.get(path);
  }

  /** The paths a canonical path answers on, each with the prefix ('' or the context path) it uses. */
  prefixedVariants(path: string): Array<{ path: string; prefix: string }> {
    const bare = path.endsWith('.json') ? path.slice(0, -'.json'.length) : path;
    const base = bare === path ? [path] : [path, bare];
    const plain = base.map((p) => ({ path: p, prefix: '' }));
    if (this.contextPath === '') return plain;
    return [...plain, ...base.map((p) => ({ path: `${this.contextPath}${p}`, prefix: this.contextPath }))];
  }

  variants(path: string): string[] {
    return this.prefixedVariants(path).map((v) => v.path);
  }

  /** Mounts endpoint records: each under its path variants, 405 for other methods. */
  mount(endpoints: readonly Endpoint[], limits: EndpointLimits): void {
    for (const endpoint of endpoints) {
      // Served with its access check: both ways in (this app, and the direct path by operationId) get the checked handler.
      const served = this.enforced(endpoint);
      this.endpoints.push(endpoint);
      this.byOperation.set(endpoint.operationId, { endpoint: served, limits });
      this.record(endpoint.methods, endpoint.path);
      for (const v of this.prefixedVariants(endpoint.path)) {
        this.access.set(v.path, endpoint.access);
        this.app.on([...endpoint.methods], v.path, this.pipeline.route(v.path, endpointHandler(served, limits, v.prefix)));
      }
      this.recordNotAllowed(endpoint.methods, endpoint.path);
    }
  }

  /** The mounted endpoint with this operationId and its limits, if any. */
  mounted(operationId: string): { endpoint: Endpoint; limits: EndpointLimits } | undefined {
    return this.byOperation.get(operationId);
  }

  /** The record as served: management-write and admin handlers wrapped by the access check. */
  private enforced(endpoint: Endpoint): Endpoint {
    if (!mountEnforced(endpoint.access)) return endpoint;
    if (this.authorize === undefined) throw new Error(`${endpoint.operationId} is ${endpoint.access} and this router has no access check`);
    return { ...endpoint, handle: this.authorize(endpoint) };
  }

  private record(methods: readonly HttpMethod[], path: string): void {
    for (const method of methods) this.routes.push({ method, path });
  }

  /**
   * The 405 answer for a request on a path variant of an endpoint with a method it does not
   * have, or undefined for a path no endpoint has. Not a route of its own: each path then has
   * exactly one route per method and Hono calls its handler without a compose chain.
   */
  notAllowed(path: string): ((c: Context) => Response | Promise<Response>) | undefined {
    return this.wrongMethod.get(path);
  }

  private recordNotAllowed(declared: readonly HttpMethod[], path: string): void {
    // Two records on one path (a GET and a POST form) share one answer naming both methods.
    const methods = [...new Set([...(this.methodsOf.get(path) ?? []), ...declared])];
    this.methodsOf.set(path, methods);
    const allowed = [...methods, 'OPTIONS'].join(', ');
    const handler: Handler = (c) => {
      c.header('Allow', allowed);
      return sendJsonBytes(
        c,
        errorBody(failStatus(ErrorCodes.badRequest, `Method ${c.req.method} is not allowed here; use ${methods.join(' or ')}.`)),
        405,
      );
    };
    for (const p of this.variants(path)) this.wrongMethod.set(p, this.pipeline.notFound(p, handler));
  }
}

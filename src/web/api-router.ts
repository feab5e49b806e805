import type { Handler, Hono } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import type { Endpoint, HttpMethod } from './endpoint.js';
import { endpointHandler, type EndpointLimits } from './endpoint-http.js';
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
 * on those paths answer 405 in the ResponseStatus format. Records the canonical routes so the
 * OpenAPI document can be checked against what the server answers.
 */
export class ApiRouter {
  readonly routes: RouteRecord[] = [];
  /** The endpoint records mounted with `mount`, in order: the OpenAPI document is generated from them. */
  readonly endpoints: Endpoint[] = [];
  /** Each mounted endpoint with the limits it was mounted with, by operationId. */
  private readonly byOperation = new Map<string, { endpoint: Endpoint; limits: EndpointLimits }>();

  constructor(
    private readonly app: Hono,
    private readonly contextPath: string,
  ) {}

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
      this.endpoints.push(endpoint);
      this.byOperation.set(endpoint.operationId, { endpoint, limits });
      this.record(endpoint.methods, endpoint.path);
      for (const v of this.prefixedVariants(endpoint.path)) {
        this.app.on([...endpoint.methods], v.path, endpointHandler(endpoint, limits, v.prefix));
      }
      this.notAllowed(endpoint.methods, endpoint.path);
    }
  }

  /** The mounted endpoint with this operationId and its limits, if any. */
  mounted(operationId: string): { endpoint: Endpoint; limits: EndpointLimits } | undefined {
    return this.byOperation.get(operationId);
  }

  private record(methods: readonly HttpMethod[], path: string): void {
    for (const method of methods) this.routes.push({ method, path });
  }

  private notAllowed(methods: readonly HttpMethod[], path: string): void {
    const allowed = [...methods, 'OPTIONS'].join(', ');
    const handler: Handler = (c) => {
      c.header('Allow', allowed);
      return sendJsonBytes(
        c,
        errorBody(failStatus(ErrorCodes.badRequest, `Method ${c.req.method} is not allowed here; use ${methods.join(' or ')}.`)),
        405,
      );
    };
    for (const p of this.variants(path)) this.app.all(p, handler);
  }
}

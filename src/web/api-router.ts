import type { Handler, Hono } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import { errorBody, sendJsonBytes } from './respond.js';

export type HttpMethod = 'GET' | 'POST';

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

  constructor(
    private readonly app: Hono,
    private readonly contextPath: string,
  ) {}

  variants(path: string): string[] {
    const bare = path.endsWith('.json') ? path.slice(0, -'.json'.length) : path;
    const base = bare === path ? [path] : [path, bare];
    return this.contextPath === '' ? base : [...base, ...base.map((p) => `${this.contextPath}${p}`)];
  }

  on(methods: HttpMethod[], path: string, handler: Handler): void {
    for (const method of methods) this.routes.push({ method, path });
    const paths = this.variants(path);
    this.app.on(methods, paths, handler);
    const allowed = [...methods, 'OPTIONS'].join(', ');
    const notAllowed: Handler = (c) => {
      c.header('Allow', allowed);
      return sendJsonBytes(
        c,
        errorBody(failStatus(ErrorCodes.badRequest, `Method ${c.req.method} is not allowed here; use ${methods.join(' or ')}.`)),
        405,
      );
    };
    for (const p of paths) this.app.all(p, notAllowed);
  }

  post(path: string, handler: Handler): void {
    this.on(['POST'], path, handler);
  }

  getAndPost(path: string, handler: Handler): void {
    this.on(['GET', 'POST'], path, handler);
  }

  get(path: string, handler: Handler): void {
    this.on(['GET'], path, handler);
  }
}

/**
 * Schema helpers and the declaration type of the management document (openapi-management.ts,
 * openapi-groups.ts). Endpoints declared as records (src/web/endpoint.ts) need neither.
 */
import type { QueryParam, Tag } from './endpoint.js';

export { arr, bool, described, envelope, int, map, nstr, obj, ref, str, strEnum, strMap, withNull, type Json } from './openapi/json-schema.js';
export type { QueryParam, Tag } from './endpoint.js';

export interface LegacyEndpoint {
  path: string;
  tag: Tag;
  id: string;
  summary: string;
  /** Longer notes (guards, error messages); shared by the GET and POST forms. */
  description?: string;
  response: string;
  /** Request schema for POST; omitted when the endpoint has no POST form. */
  request?: string;
  example?: Record<string, unknown>;
  /** Query parameters of the GET form; omitted when the endpoint has no GET form. */
  query?: QueryParam[];
  etag?: boolean;
}
export type { LegacyEndpoint as Endpoint };

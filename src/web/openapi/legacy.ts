import type { Endpoint, HttpMethod } from '../endpoint.js';
import type { LegacyEndpoint } from '../openapi-schema.js';

const WRITE = /\/(?:operate|insert|update|delete|create|release|new|add|remove)[-\w]*\.json$/;

/**
 * A record for an endpoint declared only for the document (the management area's own
 * declarations in openapi-management.ts / openapi-groups.ts); its handler is the area's route.
 */
export function legacyRecord(e: LegacyEndpoint): Endpoint {
  const methods: HttpMethod[] = [...(e.query !== undefined ? (['GET'] as const) : []), ...(e.request !== undefined ? (['POST'] as const) : [])];
  return {
    operationId: e.id,
    path: e.path,
    methods,
    tag: e.tag,
    summary: e.summary,
    ...(e.description !== undefined ? { notes: e.description } : {}),
    ...(e.query !== undefined ? { query: e.query } : {}),
    ...(e.request !== undefined ? { request: e.request } : {}),
    response: e.response,
    ...(e.example !== undefined ? { requestExample: e.example } : {}),
    ...(e.etag === true ? { etag: true } : {}),
    bareFailure: true,
    rateLimit: e.path.startsWith('/api/management/group/') ? 'group' : 'none',
    access: WRITE.test(e.path) ? 'management-write' : 'public',
    handle: () => {
      throw new Error(`${e.path} is answered by its area's routes`);
    },
  };
}

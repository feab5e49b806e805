import type { AccessClass, Endpoint, QueryParam, RateLimitClass, SchemaRef } from '../endpoint.js';
import { CALLER_HEADER, OPERATOR_CALLER } from '../../ratelimit/operator-limit.js';
import { EmptyRequest, ErrorResponse } from './cold-schemas.js';
import { componentName } from './zod-components.js';

/** Path items of the OpenAPI document, generated from endpoint records. */

type Json = Record<string, unknown>;

const JSON_TYPE = 'application/json';

/** Framework errors every route may answer, as components/responses. */
export const FRAMEWORK_ERRORS: Record<string, { name: string; description: string }> = {
  '400': {
    name: 'BadRequest',
    description: 'Body is not valid JSON or has the wrong shape, or a required query parameter is missing.',
  },
  '403': {
    name: 'Forbidden',
    description:
      'no-permission: a peer call that is not signed with the cluster key, stale, replayed or addressed to another node; a call without a token granting the scope its access class needs, or from an address outside the ranges allowed for that scope; or a POST naming an Origin that is neither this node nor in cors.allowedOrigins.',
  },
  '405': { name: 'MethodNotAllowed', description: 'HTTP method not supported on this path.' },
  '413': { name: 'PayloadTooLarge', description: 'Request body (before or after gzip inflation) exceeds the limit.' },
  '415': {
    name: 'UnsupportedMediaType',
    description: 'Content-Type is not JSON (a POST with a body must send application/json), or Content-Encoding is not gzip/identity.',
  },
  '503': { name: 'ServiceUnavailable', description: 'The node is shutting down.' },
};

export const RATE_LIMIT_CLASSES: Record<RateLimitClass, string> = {
  none: 'Not rate limited.',
  registry: 'Per client address (rateLimit.perClient), then per operation (rateLimit.registry).',
  replication: 'Per operation (rateLimit.replication).',
  cluster: 'Per operation (rateLimit.cluster).',
  status: 'Per operation (rateLimit.status).',
  group: 'Per operation (rateLimit.group).',
};

export const ACCESS_CLASSES: Record<AccessClass, string> = {
  public: 'Any caller.',
  read: 'Read: anonymous by default; with security.read.requireToken a token with scope read (Authorization: Bearer), with security.read.allowedCidrs only from those ranges, else HTTP 403 no-permission.',
  register:
    'Registry write: anonymous by default; with security.register.requireToken a token with scope register (Authorization: Bearer), with security.register.allowedCidrs only from those ranges, else HTTP 403 no-permission.',
  'peer-only':
    'Peer call: signed with the cluster key (x-artemis-peer-timestamp, x-artemis-peer-nonce, x-artemis-peer-signature: HMAC-SHA256 over method, Host, path and query, timestamp, nonce and body digest), else HTTP 403 no-permission; the endpoints Java peers call also accept unsigned calls from cluster.trustedAddresses.',
  'management-write':
    'Management write: needs a token with scope operate, as Authorization: Bearer <token> or in the request\'s token field (Java management clients), else HTTP 403 no-permission (unless security.managementAuth is false). The audit log records the token\'s name and id in place of the token field.',
  admin: 'Token administration: needs a token with scope admin (Authorization: Bearer), else HTTP 403 no-permission (unless security.managementAuth is false).',
};

export const schemaRef = (schema: SchemaRef): Json => ({
  $ref: `#/components/schemas/${typeof schema === 'string' ? schema : componentName(schema)}`,
});

export function jsonContent(schema: Json, example?: unknown): Json {
  return { [JSON_TYPE]: { schema, ...(example === undefined ? {} : { example }) } };
}

function errorRefs(e: Endpoint, list: string[]): Json {
  const codes = e.access === 'public' || list.includes('403') ? list : [...list, '403'].sort();
  return Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/responses/${FRAMEWORK_ERRORS[code]!.name}` }]));
}

function queryParameter(p: QueryParam): Json {
  const schema = p.list === true ? { type: 'array', items: { type: 'string' } } : { type: 'string' };
  const style = p.list === true ? { style: 'form', explode: true } : {};
  return { name: p.name, in: 'query', required: p.required === true, description: p.description, schema, ...style };
}

function description(e: Endpoint): Json {
  const parts: string[] = [];
  if (e.notes !== undefined) parts.push(e.notes);
  if (e.access !== 'public') parts.push(ACCESS_CLASSES[e.access]);
  if (e.failures !== undefined && e.failures.length > 0) {
    parts.push(['Failure texts (responseStatus.message or failedInstances[].errorMessage):', ...e.failures.map((f) => `- \`${f}\``)].join('\n'));
  }
  return parts.length === 0 ? {} : { description: parts.join('\n\n') };
}

/** The documented answer of an endpoint that works: 200, or 308 for a redirect. */
function okResponses(e: Endpoint, etag: boolean): Json {
  if (typeof e.response === 'object' && 'redirect' in e.response) {
    return { '308': { description: e.response.description, headers: { Location: { description: 'Where the page is.', schema: { type: 'string' } } } } };
  }
  return { '200': okResponse(e, etag) };
}

function okResponse(e: Endpoint, etag: boolean): Json {
  const headers = etag ? { headers: { ETag: { $ref: '#/components/headers/ETag' } } } : {};
  if (typeof e.response === 'object' && 'redirect' in e.response) throw new Error(`${e.path}: a redirect has no 200 answer`);
  if (typeof e.response === 'object' && 'mediaType' in e.response) {
    return { description: e.response.description, content: { [e.response.mediaType]: { schema: { type: 'string' } } } };
  }
  const text = e.responseDescription ?? 'OK (application errors are reported in responseStatus).';
  const schema = e.bareFailure === true ? { anyOf: [schemaRef(e.response), schemaRef(ErrorResponse)] } : schemaRef(e.response);
  return { description: text, ...headers, content: jsonContent(schema, e.responseExample) };
}

function extraResponses(e: Endpoint): Json {
  const out: Json = {};
  for (const [code, r] of Object.entries(e.extraResponses ?? {})) {
    out[code] = { description: r.description, content: jsonContent(schemaRef(r.schema), r.example) };
  }
  return out;
}

/** Tokens an operation takes: needed for management writes and administration, optional for reads and registry writes. */
function security(access: AccessClass): Json {
  if (access === 'management-write' || access === 'admin') return { security: [{ bearerAuth: [] }] };
  if (access === 'read' || access === 'register') return { security: [{}, { bearerAuth: [] }] };
  return {};
}

function common(e: Endpoint, operationId: string, summary: string): Json {
  return {
    tags: [e.tag],
    operationId,
    summary,
    ...description(e),
    'x-artemis-rate-limit': e.rateLimit,
    'x-artemis-access': e.access,
    ...security(e.access),
  };
}

/** The header that moves a status read to the operator budget (`rateLimit.operator`); declared on every status endpoint. */
const CALLER_PARAMETER: Json = {
  name: CALLER_HEADER,
  in: 'header',
  required: false,
  description: `\`${OPERATOR_CALLER}\` marks operator traffic (the artemis CLI, a console): the call counts against rateLimit.operator instead of the Java-sized rateLimit.status. It selects a budget and grants nothing.`,
  schema: { type: 'string', enum: [OPERATOR_CALLER] },
};

/** Header parameters of an endpoint. */
function headerParameters(e: Endpoint): Json[] {
  return e.rateLimit === 'status' ? [CALLER_PARAMETER] : [];
}

function getOperation(e: Endpoint, hasPost: boolean): Json {
  const query = e.query ?? [];
  const etag = e.etag === true;
  const parameters = [...query.map(queryParameter), ...(etag ? [{ $ref: '#/components/parameters/IfNoneMatch' }] : []), ...headerParameters(e)];
  const notModified = etag ? { '304': { $ref: '#/components/responses/NotModified' } } : {};
  const api = e.path.startsWith('/api/');
  const codes = query.some((p) => p.required === true) ? ['400', '405', '503'] : api ? ['405', '503'] : ['405'];
  return {
    ...common(e, hasPost ? `${e.operationId}ByQuery` : e.operationId, hasPost ? `${e.summary.replace(/\.$/, '')} (query parameters).` : e.summary),
    ...(parameters.length > 0 ? { parameters } : {}),
    responses: { ...okResponses(e, etag), ...notModified, ...extraResponses(e), ...errorRefs(e, codes) },
  };
}

function postOperation(e: Endpoint): Json {
  const request = e.request ?? EmptyRequest;
  const headers = headerParameters(e);
  return {
    ...common(e, e.operationId, e.summary),
    ...(headers.length > 0 ? { parameters: headers } : {}),
    requestBody: { required: e.request !== undefined && e.request !== EmptyRequest, content: jsonContent(schemaRef(request), e.requestExample) },
    responses: { ...okResponses(e, false), ...extraResponses(e), ...errorRefs(e, ['400', '403', '405', '413', '415', '503']) },
  };
}

/** The path item of one endpoint record. */
export function pathItem(e: Endpoint): Json {
  const item: Json = {};
  const hasPost = e.methods.includes('POST');
  if (e.methods.includes('GET')) item['get'] = getOperation(e, hasPost);
  if (hasPost) item['post'] = postOperation(e);
  return item;
}

export function pathsOf(endpoints: readonly Endpoint[]): Json {
  const out: Json = {};
  for (const e of endpoints) {
    if (e.path in out) throw new Error(`Endpoint path declared twice: ${e.path}`);
    out[e.path] = pathItem(e);
  }
  return out;
}

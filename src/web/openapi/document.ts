import type { Endpoint, Tag } from '../endpoint.js';
import { MANAGEMENT_TAG_DESCRIPTION } from '../api/management.js';
import { managementComponents } from '../api/management-schemas.js';
import { modelSchemas } from './models.js';
import { messageSchemas } from './messages.js';
import { nullableTo31, ref, type Json } from './json-schema.js';
import { FRAMEWORK_ERRORS, jsonContent, pathsOf } from './operations.js';
import { zodComponents } from './zod-components.js';
import './cold-schemas.js';

/** The OpenAPI 3.1 document of a node, generated from the endpoint records it mounts. */

export interface OpenApiOptions {
  version: string;
  contextPath: string;
  /** The endpoint records the router mounted (`router.endpoints`). */
  endpoints: readonly Endpoint[];
}

const TAGS: Array<[Tag, string]> = [
  ['registry', 'Register, renew and unregister instances.'],
  ['discovery', 'Find services and their instances.'],
  ['replication', 'Peer-to-peer registry replication.'],
  ['cluster', 'Cluster membership.'],
  ['status', 'Node, cluster, lease and configuration status.'],
  ['management', MANAGEMENT_TAG_DESCRIPTION],
  ['operations', 'Probes, metrics and API documentation.'],
  ['auth', 'API tokens with scopes (read, register, operate, admin): create, list, revoke.'],
];

const WEBSOCKET_DESCRIPTION = [
  '## WebSocket channels',
  'On the same port, also below the context path; text frames of JSON; the server answers pings with pongs and pings quiet sessions itself.',
  '',
  '- `/ws/registry/heartbeat`: every frame is a `HeartbeatRequest` (`{"instances":[Instance...]}`); the server answers each',
  '  frame with exactly one `HeartbeatResponse`, produced as by `POST /api/registry/heartbeat.json` (an unknown instance',
  '  comes back in `failedInstances` with `data-not-found`; the client then registers it over HTTP). A frame that is not',
  '  JSON is answered with `bad-request`.',
  '- `/ws/discovery/instance-change`: the client sends one `DiscoveryConfig` frame per service it wants',
  '  (`{"serviceId":"demo.order"}`; letter case ignored); the server pushes one `InstanceChange` frame per change of those',
  '  services: `{"changeTime":…,"changeType":"new|delete|change|reload","instance":Instance,"version":…}`. `version` is the',
  '  discovery version the change leads to. A subscription frame may carry `"version": <last version seen>`: the server',
  '  first sends what was missed since then, or a `reload` change (instanceId `reload`) when that version is too old.',
  '- `/ws/discovery/all-instance-change`: every change of every service, no subscription needed.',
  '',
  'Close codes: 1001 server shutting down, 1003 binary frame, 1009 frame over the size limit, 1013 subscriber too slow',
  '(reconnect and reload), 4000 session older than the configured session TTL. Upgrades are refused with HTTP 503 at the',
  'session limit, 403 for a blacklisted address, 404 for an unknown path.',
];

function description(contextPath: string): string {
  const below = `below the configured context path${contextPath === '' ? '' : ` (${contextPath})`}`;
  return [
    'Artemis service registry, wire-compatible with the Java Artemis client and peers.',
    '',
    `Every \`/api/...\` path also answers without the \`.json\` suffix, and every path also answers ${below}.`,
    'Request bodies are JSON and may be gzip-compressed with `Content-Encoding: gzip`.',
    'Property names are matched case-insensitively on input; responses carry every property, including nulls.',
    '',
    'Application errors are reported with HTTP 200 and a `responseStatus` object in the body.',
    'Framework errors (400 bad JSON or shape, 403 no permission: a peer call not signed with the cluster key or a call without the token its access class needs, 405 method, 413 body too large,',
    '415 content type, 503 shutting down) carry a body `{"responseStatus":{...}}`.',
    '',
    'Each operation names its rate-limit class (`x-artemis-rate-limit`) and access class (`x-artemis-access`:',
    'public, read, register, peer-only, management-write, admin). Tokens travel as `Authorization: Bearer <token>`.',
    '',
    ...WEBSOCKET_DESCRIPTION,
  ].join('\n');
}

function frameworkResponses(): Json {
  const out: Json = {};
  for (const { name, description: text } of Object.values(FRAMEWORK_ERRORS)) {
    out[name] = { description: text, content: jsonContent(ref('ErrorResponse')) };
  }
  out['NotModified'] = {
    description: 'The representation matches If-None-Match; no body.',
    headers: { ETag: { $ref: '#/components/headers/ETag' } },
  };
  return out;
}

let schemas: Json | undefined;

/** Every component schema: the shared wire types, the messages, the zod-declared cold types (built once). */
export function componentSchemas(): Json {
  schemas ??= buildComponentSchemas();
  return schemas;
}

function buildComponentSchemas(): Json {
  const hand = nullableTo31({ ...modelSchemas(), ...messageSchemas() }) as Json;
  const zod = { ...zodComponents() };
  for (const [name, schema] of Object.entries(managementComponents())) {
    if (name in zod) throw new Error(`Component schema declared twice: ${name}`);
    zod[name] = schema;
  }
  for (const name of Object.keys(zod)) if (name in hand) throw new Error(`Component schema declared twice: ${name}`);
  return { ...hand, ...zod };
}

function components(): Json {
  return {
    schemas: componentSchemas(),
    responses: frameworkResponses(),
    headers: { ETag: { description: 'Entity tag of the response body.', schema: { type: 'string' } } },
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token secret (artemis token create; the first admin token is in <dataDir>/admin.token).' } },
    parameters: {
      IfNoneMatch: {
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description: 'An ETag from an earlier response; a match answers 304 without a body.',
        schema: { type: 'string' },
      },
    },
  };
}

/**
 * One relative server: "Try it out" in Swagger UI then calls the node the page was loaded from,
 * whatever name or address the browser used to reach it.
 */
function servers(opts: OpenApiOptions): Json[] {
  return [{ url: opts.contextPath === '' ? '/' : opts.contextPath }];
}

export function openApiDocument(opts: OpenApiOptions): Record<string, unknown> {
  const endpoints = opts.endpoints;
  return {
    openapi: '3.1.0',
    info: { title: 'Artemis', version: opts.version, description: description(opts.contextPath) },
    servers: servers(opts),
    tags: TAGS.map(([name, text]) => ({ name, description: text })),
    paths: nullableTo31(pathsOf(endpoints)),
    components: components(),
  };
}

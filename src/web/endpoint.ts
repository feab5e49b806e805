/**
 * One HTTP endpoint, declared once: its path, methods, schemas, documentation, failure texts,
 * rate-limit and access class, and a transport-neutral handler. The router mounts the records
 * (src/web/api-router.ts: path variants, 405s, `router.routes`) and the OpenAPI document is
 * generated from them (src/web/openapi/).
 *
 * Usage — an area module exports a function from its dependencies to its records:
 *
 *   export function registryEndpoints(deps: RegistryDeps): Endpoint[] {
 *     return [{
 *       operationId: 'register',
 *       path: '/api/registry/register.json',          // canonical, with `.json`
 *       methods: ['POST'],
 *       tag: 'registry',
 *       summary: 'Register instances and create fresh leases.',
 *       request: 'RegisterRequest',                   // a component name, or a zod schema made with named()
 *       response: 'RegisterResponse',
 *       failures: [INSTANCE_NOT_FOUND],               // the constants the handler answers with
 *       rateLimit: 'registry',
 *       access: 'public',
 *       handle: async (input) => registryAnswer(deps.registry.handle('register', await input.body(), true)),
 *     }];
 *   }
 *
 * and src/web/http-layer.ts mounts it: `mountEndpoints(router, registryEndpoints(deps), limits)`.
 * Answers are built with `json()` (bytes already JSON), `wire()` (a wire object, serialised with
 * JSON.stringify), `encoded()` (discovery's prepared bytes: ETag, 304, gzip) or `text()`.
 * Handlers throw RegistryError subclasses (BadRequestError …) for framework errors (4xx); the
 * app's error mapper answers them.
 */
import type { z } from 'zod';
import type { EncodedBody } from '../cache/encoded-body.js';

/**
 * A body schema: a zod schema registered with `named()` (src/web/openapi/zod-components.ts), or
 * the name of a component declared by hand (src/web/openapi/models.ts, messages.ts).
 */
export type SchemaRef = z.ZodType | string;

export type HttpMethod = 'GET' | 'POST';

/** API areas, one tag each in the document. */
export type Tag = 'registry' | 'discovery' | 'replication' | 'cluster' | 'status' | 'management' | 'operations' | 'auth';

/**
 * Who may call an endpoint, declared for every endpoint and enforced from it: `peer-only` where
 * the records are mounted (endpoint-http.ts: the signature over the raw body, peer-auth.ts);
 * `management-write` (scope operate) and `admin` (scope admin) by the router's mount, after the
 * body is read (a Java request carries its token there); `read` and `register` by the access
 * guard, when the `security.read` / `security.register` settings ask for it (anonymous by
 * default). `public` is never checked.
 */
export type AccessClass = 'public' | 'read' | 'register' | 'peer-only' | 'management-write' | 'admin';

/** Which limiter guards an endpoint (config `rateLimit.*`). */
export type RateLimitClass = 'none' | 'registry' | 'replication' | 'cluster' | 'status' | 'group';

export interface QueryParam {
  name: string;
  description: string;
  required?: boolean;
  /** Repeated or comma-separated values. */
  list?: boolean;
}

/** A documented response besides 200 (for example 503 of /ready). */
export interface ExtraResponse {
  description: string;
  schema: SchemaRef;
  example?: unknown;
}

export interface Endpoint {
  /** Unique; the GET form of an endpoint that also has a POST form gets the suffix `ByQuery`. */
  operationId: string;
  /** Canonical path, with the `.json` suffix for /api/** paths. */
  path: string;
  methods: readonly HttpMethod[];
  tag: Tag;
  summary: string;
  /** Longer notes (guards, special cases), shown as the operation description. */
  notes?: string;
  /** Query parameters of the GET form. */
  query?: readonly QueryParam[];
  /** Schema of the POST body. */
  request?: SchemaRef;
  /** Schema of the 200 body, a media type whose body is plain text, or a permanent redirect (308, `Location`). */
  response: SchemaRef | { mediaType: string; description: string } | { redirect: true; description: string };
  /** Description of the 200 answer; defaults to the ResponseStatus note. */
  responseDescription?: string;
  requestExample?: unknown;
  responseExample?: unknown;
  extraResponses?: Readonly<Record<string, ExtraResponse>>;
  /**
   * A failure answers HTTP 200 with only `{responseStatus}` (the handler throws a RegistryError
   * without an HTTP status) instead of the response type with its fields empty.
   */
  bareFailure?: boolean;
  /** The GET form answers with an ETag and 304 to a matching If-None-Match. */
  etag?: boolean;
  /** Failure texts the handler answers with in `responseStatus.message`, each a declared constant. */
  failures?: readonly string[];
  rateLimit: RateLimitClass;
  access: AccessClass;
  /**
   * A `peer-only` endpoint that Java Artemis peers call: they cannot sign, so their unsigned
   * calls are accepted from cluster.trustedAddresses.
   */
  javaPeer?: boolean;
  handle: (input: EndpointInput) => Answer | Promise<Answer>;
}

/** What a handler sees of a request. */
export interface EndpointInput {
  readonly method: HttpMethod;
  query(name: string): string | undefined;
  /** Every value of a repeated query parameter, or undefined when absent. */
  queries(name: string): string[] | undefined;
  /** A query parameter that must be present; missing → 400, as Spring answers a missing `@RequestParam`. */
  requiredQuery(name: string): string;
  header(name: string): string | undefined;
  /** Reads the JSON body (content type, size cap, gzip, parse); empty reads as `null`. */
  body(): Promise<unknown>;
  readonly clientAddress: string;
  /** '' or the context path, as the request used it. */
  readonly prefix: string;
}

export type Answer =
  | { kind: 'json'; body: string | Uint8Array; status: number }
  | { kind: 'wire'; body: object; status: number }
  | { kind: 'encoded'; body: EncodedBody; conditional: boolean }
  | { kind: 'text'; body: string | Uint8Array; contentType: string; headers?: Record<string, string> }
  | { kind: 'redirect'; location: string };

/** Bytes that are already JSON (pre-serialised hot-path bodies). */
export const json = (body: string | Uint8Array, status = 200): Answer => ({ kind: 'json', body, status });
/** A wire object: keys in alphabetical order and every field present, so JSON.stringify gives the reference text. */
export const wire = (body: object, status = 200): Answer => ({ kind: 'wire', body, status });
/** Prepared bytes: gzip when large and accepted; with `conditional`, an ETag and 304 on a match. */
export const encoded = (body: EncodedBody, conditional = false): Answer => ({ kind: 'encoded', body, conditional });
/** A permanent redirect (308: the method and body are kept) to `location`. */
export const redirect = (location: string): Answer => ({ kind: 'redirect', location });
export const text = (body: string | Uint8Array, contentType: string, headers?: Record<string, string>): Answer =>
  headers === undefined ? { kind: 'text', body, contentType } : { kind: 'text', body, contentType, headers };

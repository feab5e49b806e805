import { ErrorCodes } from '../core/error-codes.js';
import { UnsupportedMediaTypeError } from '../core/errors.js';
import { failStatus, toResponseStatus } from '../core/response-status.js';
import type { Guard, Refusal } from './guard.js';
import { errorBody } from './respond.js';

/** The `cors.*` settings. */
export interface CorsSettings {
  /** Origins (scheme://host[:port]) whose pages may call this node; `*` for any, without credentials. */
  allowedOrigins: readonly string[];
}

/** Failure texts of the browser checks. */
export const BrowserFailures = {
  crossOrigin: 'Cross-origin request refused: the origin is not in cors.allowedOrigins. Origin: ',
} as const;

function normalise(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

/**
 * Which web origins may read this node's answers and send it writes. None by default: the
 * node's own console is same-origin, and Java clients, peers, the SDK and the CLI are not
 * browsers. An allowed origin gets `Access-Control-Allow-Origin` with its own name (or `*` when
 * `*` is configured); `Access-Control-Allow-Credentials` is never sent, since no endpoint reads
 * cookies or browser-managed credentials (a token travels in an explicit `Authorization` header).
 * Header records are built once per configured origin.
 */
export class CorsPolicy {
  private readonly byOrigin = new Map<string, Readonly<Record<string, string>>>();
  private readonly wildcard: Readonly<Record<string, string>> | undefined;
  /** False when no origin is allowed: no CORS header is ever sent, nothing is looked up. */
  readonly enabled: boolean;

  constructor(settings: CorsSettings) {
    let wildcard: Readonly<Record<string, string>> | undefined;
    for (const raw of settings.allowedOrigins) {
      const origin = normalise(raw);
      if (origin === '*') wildcard = Object.freeze({ 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' });
      else if (origin !== '') {
        this.byOrigin.set(origin, Object.freeze({ 'access-control-allow-origin': raw.trim().replace(/\/+$/, ''), 'access-control-expose-headers': '*', vary: 'Origin' }));
      }
    }
    this.wildcard = wildcard;
    this.enabled = wildcard !== undefined || this.byOrigin.size > 0;
  }

  /** The CORS headers for a request from `origin`, or undefined when it gets none. */
  headersFor(origin: string | undefined): Readonly<Record<string, string>> | undefined {
    if (!this.enabled || origin === undefined) return undefined;
    return this.byOrigin.get(origin.toLowerCase()) ?? this.wildcard;
  }

  allows(origin: string): boolean {
    return this.headersFor(origin) !== undefined;
  }

  /** True when a request naming `origin` (if any) to `host` may act: no Origin, the node's own host, or an allowed origin. */
  admits(origin: string | undefined, host: string | undefined): boolean {
    return origin === undefined || isSameOrigin(origin, host) || this.allows(origin);
  }
}

/** `scheme://host[:port]` of an Origin header names the host the Host header names. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  const sep = origin.indexOf('://');
  return sep > 0 && origin.slice(sep + 3).toLowerCase() === host.toLowerCase();
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True for the JSON content types a body may have (Java callers send the header twice, joined with a comma). */
export function isJsonContentType(contentType: string): boolean {
  if (contentType === 'application/json') return true;
  return contentType.split(',').every((part) => {
    const type = (part.split(';')[0] ?? '').trim().toLowerCase();
    return type === 'application/json' || type.endsWith('+json') || type === 'text/json';
  });
}

/**
 * The guard that keeps web pages from writing to the node: a state-changing request (any method
 * but GET, HEAD, OPTIONS) must send its body as JSON, so the "simple" requests a page may send
 * cross-site without a preflight (text/plain, form-urlencoded, multipart, or no content type)
 * are refused with 415; one that names an Origin other than the node's own host and the allowed
 * origins is refused with 403 `no-permission`. Java clients, peers and the SDK send JSON and no
 * Origin, so they pass unchanged.
 */
export function browserSafety(cors: CorsPolicy, onRefused: (reason: 'content-type' | 'origin') => void): Guard {
  const missingType: Refusal = { status: 415, body: errorBody(toResponseStatus(new UnsupportedMediaTypeError('(none)'))) };
  return (req) => {
    if (SAFE_METHODS.has(req.method)) return undefined;
    const contentType = req.header('content-type');
    if (contentType === undefined || contentType.trim() === '') {
      if (req.hasBody()) {
        onRefused('content-type');
        return missingType;
      }
    } else if (!isJsonContentType(contentType)) {
      onRefused('content-type');
      return { status: 415, body: errorBody(toResponseStatus(new UnsupportedMediaTypeError(contentType.slice(0, 200)))) };
    }
    const origin = req.header('origin');
    if (origin !== undefined && !cors.admits(origin, req.header('host'))) {
      onRefused('origin');
      return { status: 403, body: errorBody(failStatus(ErrorCodes.noPermission, `${BrowserFailures.crossOrigin}${origin.slice(0, 200)}`)) };
    }
    return undefined;
  };
}

import { ErrorCodes, Status } from '../core/error-codes.js';
import type { ResponseStatus } from '../core/response-status.js';
import { ArtemisClientError, closedError } from './errors.js';
import type { NodePool } from './node-pool.js';
import type { ResolvedOptions } from './options.js';
import { isUntrustedCertificate } from './tls-fetch.js';
import { withJitter, type TimerSet } from './timers.js';

/** One HTTP call to "some node" of the pool. */
export interface HttpRequest {
  /** Default POST. */
  method?: 'GET' | 'POST';
  /** Path below the node's base URL, with the query string for GET, e.g. `/api/registry/register.json`. */
  path: string;
  /** JSON body of a POST. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Overrides the client's attempt count for this call. */
  attempts?: number;
  /** Overrides the client's per-attempt timeout for this call. */
  timeoutMs?: number;
  /** Answer this node only, without failover (e.g. conditional GETs tied to a node's versions). */
  node?: string;
}

/** What a node answered. */
export interface HttpAnswer {
  node: string;
  /** HTTP status: 200, or 304 for a conditional GET that matched. */
  httpStatus: number;
  headers: Headers;
  /** The parsed JSON body; null for 304. */
  body: Record<string, unknown> | null;
  /** The body's `responseStatus`; null for 304. */
  responseStatus: ResponseStatus | null;
}

type Attempt = { answer: HttpAnswer } | { retry: ArtemisClientError; markNode: boolean } | { fail: ArtemisClientError };

/** `fail` + `rate-limited`/`unknown`: try again (spec 1.4). */
export function isRerunnable(s: ResponseStatus): boolean {
  return s.status === Status.fail && (s.errorCode === ErrorCodes.rateLimited || s.errorCode === ErrorCodes.unknown);
}

/** `fail` + `internal-service-error`/`service-unavailable`: the node cannot serve, go elsewhere. */
export function isServiceDown(s: ResponseStatus): boolean {
  return s.status === Status.fail && (s.errorCode === ErrorCodes.internalServiceError || s.errorCode === ErrorCodes.serviceUnavailable);
}

/** Finds a property by name, ignoring case, as the wire format requires. */
export function prop(obj: Record<string, unknown> | null | undefined, name: string): unknown {
  if (obj === null || obj === undefined) return undefined;
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

/** Reads a `responseStatus`; null when absent or malformed. */
export function readResponseStatus(body: Record<string, unknown> | null): ResponseStatus | null {
  const raw = prop(body, 'responseStatus');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const status = prop(r, 'status');
  const errorCode = prop(r, 'errorCode');
  const message = prop(r, 'message');
  if (typeof status !== 'string') return null;
  return { errorCode: typeof errorCode === 'string' ? errorCode : '', message: typeof message === 'string' ? message : null, status };
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `fetch failed` plus what undici put in `cause`, e.g. `connect ECONNREFUSED 127.0.0.1:1`. */
export function networkReason(err: unknown): string {
  const cause = (err as { cause?: { message?: unknown; code?: unknown } }).cause;
  const detail = typeof cause?.message === 'string' ? cause.message : typeof cause?.code === 'string' ? cause.code : undefined;
  return detail === undefined ? (err as Error).message : detail;
}

/** The start of the message of an `untrusted-certificate` error. */
export const UNTRUSTED_CERTIFICATE = 'its TLS certificate does not chain to a CA this client trusts';

function describeStatus(s: ResponseStatus): string {
  return `${s.errorCode}${s.message ? `: ${s.message}` : ''}`;
}

/**
 * HTTP calls with failover: each attempt goes to the pool's current node with a timeout. Errors,
 * HTTP 5xx, unreadable answers and "service down" statuses set the node aside and retry on
 * another; `rate-limited`/`unknown` retry after a short jittered pause; any other answer
 * (success or a final failure such as `bad-request`) is returned to the caller.
 */
export class HttpTransport {
  constructor(
    private readonly pool: NodePool,
    private readonly options: ResolvedOptions,
    private readonly timers: TimerSet,
    private readonly closing: AbortSignal,
  ) {}

  /** @throws ArtemisClientError when every attempt failed or the client closed */
  async request(req: HttpRequest): Promise<HttpAnswer> {
    const attempts = req.attempts ?? this.options.retryAttempts;
    let last: ArtemisClientError = closedError();
    for (let i = 0; i < attempts; i++) {
      if (this.closing.aborted) throw closedError();
      if (i > 0) await this.pause();
      const node = req.node ?? this.pool.current();
      const result = await this.attempt(node, req);
      if ('answer' in result) {
        this.pool.markAvailable(node);
        return result.answer;
      }
      if ('fail' in result) throw result.fail;
      if (result.markNode) this.pool.markUnavailable(node);
      last = result.retry;
    }
    throw last;
  }

  private async pause(): Promise<void> {
    try {
      await this.timers.sleep(withJitter(this.options.retryDelayMs, 0.5, this.options.random), this.closing);
    } catch {
      throw closedError();
    }
  }

  private async attempt(node: string, req: HttpRequest): Promise<Attempt> {
    const controller = new AbortController();
    const timeoutMs = req.timeoutMs ?? this.options.requestTimeoutMs;
    const timer = this.timers.after(timeoutMs, () => controller.abort(), true);
    const onClose = () => controller.abort();
    this.closing.addEventListener('abort', onClose, { once: true });
    try {
      const res = await this.options.fetch(node + req.path, {
        method: req.method ?? 'POST',
        headers: { accept: 'application/json', ...(req.method === 'GET' ? {} : { 'content-type': 'application/json' }), ...req.headers },
        body: req.method === 'GET' ? undefined : JSON.stringify(req.body ?? {}),
        signal: controller.signal,
      });
      const text = res.status === 304 ? '' : await res.text();
      return this.classify(node, res, text);
    } catch (err) {
      if (this.closing.aborted) return { fail: closedError() };
      const timedOut = controller.signal.aborted;
      if (!timedOut && isUntrustedCertificate(err)) {
        const message = `${node}: ${UNTRUSTED_CERTIFICATE} (${networkReason(err)}); give the client the CA that issued it (the ca or caFile option)`;
        return { retry: new ArtemisClientError('untrusted-certificate', message, { node, cause: err }), markNode: true };
      }
      const code = timedOut ? 'timeout' : 'network';
      const message = timedOut ? `${node} did not answer within ${timeoutMs} ms` : `${node}: ${networkReason(err)}`;
      return { retry: new ArtemisClientError(code, message, { node, cause: err }), markNode: true };
    } finally {
      this.timers.cancel(timer);
      this.closing.removeEventListener('abort', onClose);
    }
  }

  private classify(node: string, res: Response, text: string): Attempt {
    if (res.status === 304) return { answer: { node, httpStatus: 304, headers: res.headers, body: null, responseStatus: null } };
    const body = parseObject(text);
    const status = readResponseStatus(body);
    if (res.status >= 400) return this.httpFailure(node, res.status, status);
    if (status === null) {
      return { retry: new ArtemisClientError('bad-response', `${node} answered without a responseStatus`, { node }), markNode: true };
    }
    const error = new ArtemisClientError(status.errorCode, `${node}: ${describeStatus(status)}`, { node, responseStatus: status });
    if (isServiceDown(status)) return { retry: error, markNode: true };
    if (isRerunnable(status)) return { retry: error, markNode: false };
    return { answer: { node, httpStatus: res.status, headers: res.headers, body, responseStatus: status } };
  }

  private httpFailure(node: string, httpStatus: number, status: ResponseStatus | null): Attempt {
    const detail = status === null ? '' : ` (${describeStatus(status)})`;
    const error = new ArtemisClientError(status?.errorCode ?? 'http-status', `${node}: HTTP ${httpStatus}${detail}`, {
      node,
      responseStatus: status ?? undefined,
      httpStatus,
    });
    if (httpStatus >= 500) return { retry: error, markNode: true };
    if (httpStatus === 408 || httpStatus === 429) return { retry: error, markNode: false };
    return { fail: error };
  }
}

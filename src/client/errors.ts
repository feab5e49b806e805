import type { ResponseStatus } from '../core/response-status.js';

/**
 * Why a client call failed: an Artemis `errorCode` (e.g. `bad-request`, `no-permission`,
 * `service-unavailable`) when a node answered, or one of `timeout`, `network`,
 * `untrusted-certificate` (an HTTPS node whose certificate chains to no trusted CA: see the
 * `ca`/`caFile` options), `http-status`, `bad-response`, `closed` when none did.
 */
export type ClientErrorCode = 'timeout' | 'network' | 'untrusted-certificate' | 'http-status' | 'bad-response' | 'closed' | (string & {});

/**
 * The error every client call rejects with.
 *
 * @example
 * ```ts
 * try {
 *   await discovery.getService('demo.order');
 * } catch (err) {
 *   if (err instanceof ArtemisClientError && err.code === 'timeout') retryLater();
 * }
 * ```
 */
export class ArtemisClientError extends Error {
  /** See {@link ClientErrorCode}. */
  readonly code: ClientErrorCode;
  /** The node's answer, when one answered. */
  readonly responseStatus: ResponseStatus | undefined;
  /** Base URL of the node of the last attempt. */
  readonly node: string | undefined;
  /** HTTP status of an answer that was not 200 (e.g. 404 for an endpoint the node does not have). */
  readonly httpStatus: number | undefined;

  constructor(
    code: ClientErrorCode,
    message: string,
    details: { responseStatus?: ResponseStatus; node?: string; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ArtemisClientError';
    this.code = code;
    this.responseStatus = details.responseStatus;
    this.node = details.node;
    this.httpStatus = details.httpStatus;
  }
}

/** The error of calls made after close(). */
export function closedError(): ArtemisClientError {
  return new ArtemisClientError('closed', 'the client is closed');
}

import { randomUUID } from 'node:crypto';
import { ErrorCodes, Status, type ErrorCode, type StatusText } from './error-codes.js';
import { RegistryError } from './errors.js';

/** The `responseStatus` object every Artemis response carries. Keys in alphabetical order. */
export interface ResponseStatus {
  /** One of ErrorCodes; typed as string because peers may send codes this version does not know. */
  errorCode: string;
  message: string | null;
  /** One of Status. */
  status: string;
}

export function responseStatus(status: StatusText, errorCode: ErrorCode, message: string | null): ResponseStatus {
  return { errorCode, message, status };
}

export const SUCCESS: Readonly<ResponseStatus> = Object.freeze(responseStatus(Status.success, ErrorCodes.success, ''));
export const PARTIAL_FAIL: Readonly<ResponseStatus> = Object.freeze(
  responseStatus(Status.partialFail, ErrorCodes.partialFail, ''),
);
export const RATE_LIMITED: Readonly<ResponseStatus> = Object.freeze(
  responseStatus(Status.fail, ErrorCodes.rateLimited, 'Request is rate limited.'),
);

export function failStatus(errorCode: ErrorCode, message: string | null): ResponseStatus {
  return responseStatus(Status.fail, errorCode, message);
}

/** Called once for every error that is not a RegistryError, with the id put in the client message. */
export type UnexpectedErrorSink = (err: unknown, errorId: string) => void;

/**
 * Turns anything thrown into a ResponseStatus. Registry errors keep their code and message;
 * anything else becomes `internal-service-error` with an id that the log line also carries.
 */
export function toResponseStatus(err: unknown, onUnexpected?: UnexpectedErrorSink): ResponseStatus {
  if (err instanceof RegistryError) return failStatus(err.errorCode, err.message);
  const errorId = randomUUID();
  onUnexpected?.(err, errorId);
  return failStatus(ErrorCodes.internalServiceError, `Internal error, id ${errorId}.`);
}

export function isSuccess(s: ResponseStatus): boolean {
  return s.status === Status.success;
}

import { ErrorCodes, type ErrorCode } from './error-codes.js';

/**
 * Base of every error the registry reports to a caller. `message` is safe to show the client;
 * `httpStatus` is used only where the reference answers with a framework status (bad JSON,
 * oversized body, wrong content type); application failures travel as HTTP 200.
 */
export class RegistryError extends Error {
  readonly errorCode: ErrorCode;
  readonly httpStatus: number;

  constructor(errorCode: ErrorCode, message: string, options?: { cause?: unknown; httpStatus?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.errorCode = errorCode;
    this.httpStatus = options?.httpStatus ?? 200;
  }
}

/** The request is malformed or breaks a limit. */
export class BadRequestError extends RegistryError {
  constructor(message: string, options?: { cause?: unknown; httpStatus?: number }) {
    super(ErrorCodes.badRequest, message, options);
  }
}

/** Body larger than the configured limit (HTTP 413). */
export class PayloadTooLargeError extends BadRequestError {
  constructor(limitBytes: number) {
    super(`Request body exceeds the limit of ${limitBytes} bytes (limits.maxBodyBytes).`, { httpStatus: 413 });
  }
}

/** Content type that is not JSON (HTTP 415). */
export class UnsupportedMediaTypeError extends BadRequestError {
  constructor(contentType: string) {
    super(`Content-Type must be application/json, got: ${contentType}`, { httpStatus: 415 });
  }
}

export class RateLimitedError extends RegistryError {
  constructor() {
    super(ErrorCodes.rateLimited, 'Request is rate limited.');
  }
}

export class NoPermissionError extends RegistryError {
  constructor(message: string) {
    super(ErrorCodes.noPermission, message);
  }
}

export class DataNotFoundError extends RegistryError {
  constructor(message: string) {
    super(ErrorCodes.dataNotFound, message);
  }
}

export class ServiceUnavailableError extends RegistryError {
  constructor(message: string, httpStatus = 200) {
    super(ErrorCodes.serviceUnavailable, message, { httpStatus });
  }
}

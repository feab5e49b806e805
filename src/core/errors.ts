import { ErrorCodes, type ErrorCode } from './error-codes.js';

/**
 * Base of every error the registry reports to a caller. `message` is safe to show the client;
 * `httpStatus` is used only where the reference answers with a framework status (bad JSON,
 * oversized body, wrong content type); application failures travel as HTTP 200.
 */
export class RegistryError extends Error {
  readonly errorCode: ErrorCode;
  readonly httpStatus: number;
  /** The config key of the resource limit the request broke (e.g. `limits.maxBodyBytes`), counted in `artemis_limit_refusals_total`. */
  readonly limit: string | undefined;

  constructor(errorCode: ErrorCode, message: string, options?: RegistryErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.errorCode = errorCode;
    this.httpStatus = options?.httpStatus ?? 200;
    this.limit = options?.limit;
  }
}

export interface RegistryErrorOptions {
  cause?: unknown;
  httpStatus?: number;
  limit?: string;
}

/** The request is malformed or breaks a limit. */
export class BadRequestError extends RegistryError {
  constructor(message: string, options?: RegistryErrorOptions) {
    super(ErrorCodes.badRequest, message, options);
  }
}

/** Body larger than the configured limit (HTTP 413). */
export class PayloadTooLargeError extends BadRequestError {
  constructor(limitBytes: number) {
    super(`Request body exceeds the limit of ${limitBytes} bytes (limits.maxBodyBytes).`, { httpStatus: 413, limit: 'limits.maxBodyBytes' });
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

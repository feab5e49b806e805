/** Artemis `errorCode` strings, exactly as the Java registry writes them. */
export const ErrorCodes = {
  success: 'success',
  partialFail: 'partial_fail',
  badRequest: 'bad-request',
  rateLimited: 'rate-limited',
  noPermission: 'no-permission',
  dataNotFound: 'data-not-found',
  internalServiceError: 'internal-service-error',
  serviceUnavailable: 'service-unavailable',
  unknown: 'unknown',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Artemis `status` strings of a ResponseStatus. */
export const Status = {
  success: 'success',
  fail: 'fail',
  partialFail: 'partial_fail',
  unknown: 'unknown',
} as const;

export type StatusText = (typeof Status)[keyof typeof Status];

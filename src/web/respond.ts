import type { Context } from 'hono';
import type { ResponseStatus } from '../core/response-status.js';

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Sends bytes that are already JSON (pre-serialised bodies on hot paths). */
export function sendJsonBytes(c: Context, body: string | Uint8Array, status = 200): Response {
  c.header('Content-Type', JSON_CONTENT_TYPE);
  return c.body(body as string, status as 200);
}

/**
 * Sends a wire object. Wire objects are built with their keys in alphabetical order and every
 * field present, so plain JSON.stringify gives the reference's exact text.
 */
export function sendWire(c: Context, body: object, status = 200): Response {
  return sendJsonBytes(c, JSON.stringify(body), status);
}

/** Body used when an error occurs before an endpoint-specific response exists. */
export function errorBody(responseStatus: ResponseStatus): string {
  return JSON.stringify({ responseStatus });
}

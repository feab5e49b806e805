import type { Context, Handler } from 'hono';
import type { EncodedBody } from '../cache/encoded-body.js';
import { BadRequestError } from '../core/errors.js';
import { readJsonBody } from './body.js';
import { clientAddress } from './client-address.js';
import type { Answer, Endpoint, EndpointInput, HttpMethod } from './endpoint.js';
import { sendJsonBytes } from './respond.js';

/** Limits every mounted endpoint shares. */
export interface EndpointLimits {
  maxBodyBytes: number;
  /** Prepared bodies larger than this are gzip-compressed for callers that accept gzip. */
  gzipMinBytes: number;
}

export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function matchesTag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}

/**
 * Sends pre-encoded bytes: with an ETag and 304 for conditional GETs, gzip-compressed (bytes
 * made once per body) when large enough and the caller accepts it.
 */
export async function sendEncoded(c: Context, body: EncodedBody, gzipMinBytes: number, conditional = false): Promise<Response> {
  if (conditional && body.etag !== null) {
    c.header('ETag', body.etag);
    if (matchesTag(c.req.header('if-none-match'), body.etag)) return c.body(null, 304);
  }
  if (body.bytes.length <= gzipMinBytes) return sendJsonBytes(c, body.bytes);
  c.header('Vary', 'Accept-Encoding');
  if (!acceptsGzip(c.req.header('accept-encoding'))) return sendJsonBytes(c, body.bytes);
  c.header('Content-Encoding', 'gzip');
  return sendJsonBytes(c, await body.gzip());
}

function inputOf(c: Context, limits: EndpointLimits, prefix: string): EndpointInput {
  return {
    method: c.req.method as HttpMethod,
    query: (name) => c.req.query(name),
    queries: (name) => c.req.queries(name),
    requiredQuery: (name) => {
      const value = c.req.query(name);
      if (value === undefined) throw new BadRequestError(`Required String parameter '${name}' is not present`, { httpStatus: 400 });
      return value;
    },
    header: (name) => c.req.header(name),
    body: () => readJsonBody(c, limits.maxBodyBytes),
    get clientAddress() {
      return clientAddress(c);
    },
    prefix,
  };
}

function send(c: Context, answer: Answer, limits: EndpointLimits): Response | Promise<Response> {
  switch (answer.kind) {
    case 'json':
      return sendJsonBytes(c, answer.body, answer.status);
    case 'wire':
      return sendJsonBytes(c, JSON.stringify(answer.body), answer.status);
    case 'encoded':
      return sendEncoded(c, answer.body, limits.gzipMinBytes, answer.conditional && c.req.method === 'GET');
    case 'text':
      for (const [k, v] of Object.entries(answer.headers ?? {})) c.header(k, v);
      c.header('Content-Type', answer.contentType);
      return c.body(answer.body as string);
    case 'redirect':
      c.header('Location', answer.location);
      return c.body(null, 308);
  }
}

/** The Hono handler of an endpoint, for requests that used `prefix` ('' or the context path). */
export function endpointHandler(endpoint: Endpoint, limits: EndpointLimits, prefix: string): Handler {
  return async (c) => send(c, await endpoint.handle(inputOf(c, limits, prefix)), limits);
}

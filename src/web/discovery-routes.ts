import type { Context } from 'hono';
import type { EncodedBody } from '../cache/encoded-body.js';
import { BadRequestError } from '../core/errors.js';
import type { DiscoveryService } from '../discovery/discovery-service.js';
import {
  readGetServiceRequest,
  readGetServicesDeltaRequest,
  readLookupRequest,
  readZoneRequest,
  type GetServiceRequest,
} from '../discovery/discovery-messages.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { sendJsonBytes } from './respond.js';

export interface DiscoveryRoutesDeps {
  discovery: DiscoveryService;
  maxBodyBytes: number;
  /** Bodies larger than this are gzip-compressed for callers that accept gzip. */
  gzipMinBytes: number;
}

/** A required query parameter; missing → HTTP 400, as Spring answers a missing `@RequestParam`. */
export function requiredQuery(c: Context, name: string): string {
  const value = c.req.query(name);
  if (value === undefined) throw new BadRequestError(`Required String parameter '${name}' is not present`, { httpStatus: 400 });
  return value;
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

async function serviceRequest(c: Context, maxBytes: number): Promise<GetServiceRequest | null> {
  if (c.req.method !== 'GET') return readGetServiceRequest(await readJsonBody(c, maxBytes));
  const serviceId = requiredQuery(c, 'serviceId');
  return {
    discoveryConfig: { discoveryData: null, regionId: null, serviceId, zoneId: null },
    regionId: c.req.query('regionId') ?? null,
    zoneId: c.req.query('zoneId') ?? null,
  };
}

/** /api/discovery/{lookup,service,services,services-delta}.json (spec 3.3). No rate limit. */
export function discoveryRoutes(router: ApiRouter, deps: DiscoveryRoutesDeps): void {
  const { discovery, maxBodyBytes: max, gzipMinBytes: min } = deps;
  router.post('/api/discovery/lookup.json', async (c) =>
    sendEncoded(c, discovery.lookup(readLookupRequest(await readJsonBody(c, max))), min),
  );
  router.getAndPost('/api/discovery/service.json', async (c) =>
    sendEncoded(c, discovery.getService(await serviceRequest(c, max)), min, c.req.method === 'GET'),
  );
  router.getAndPost('/api/discovery/services.json', async (c) => {
    if (c.req.method !== 'GET') readZoneRequest(await readJsonBody(c, max));
    return sendEncoded(c, discovery.getServices(), min, c.req.method === 'GET');
  });
  router.post('/api/discovery/services-delta.json', async (c) =>
    sendEncoded(c, discovery.getServicesDelta(readGetServicesDeltaRequest(await readJsonBody(c, max))), min),
  );
}

import { describe, expect, it } from 'vitest';
import { browserSafety, CorsPolicy, isJsonContentType } from './browser-safety.js';
import type { GuardRequest } from './guard.js';

function req(method: string, headers: Record<string, string>, body = true): GuardRequest {
  return { method, path: '/api/x', remoteAddress: '10.0.0.1', header: (name) => headers[name], hasBody: () => body };
}

describe('CorsPolicy', () => {
  it('allows no origin by default and never a credentialed wildcard', () => {
    const none = new CorsPolicy({ allowedOrigins: [] });
    expect(none.enabled).toBe(false);
    expect(none.headersFor('http://a.example')).toBeUndefined();
    const any = new CorsPolicy({ allowedOrigins: ['*'] });
    expect(any.headersFor('http://a.example')).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' });
  });

  it('names a listed origin (case-insensitive, trailing slash ignored), and only that one', () => {
    const p = new CorsPolicy({ allowedOrigins: ['https://Console.example:8443/'] });
    expect(p.headersFor('https://console.example:8443')?.['access-control-allow-origin']).toBe('https://Console.example:8443');
    expect(p.headersFor('https://console.example')).toBeUndefined();
    expect(p.headersFor(undefined)).toBeUndefined();
    for (const h of [p.headersFor('https://console.example:8443')!]) expect(h['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('browserSafety guard', () => {
  const refused: string[] = [];
  const guard = browserSafety(new CorsPolicy({ allowedOrigins: ['https://console.example'] }), (r) => refused.push(r));

  it('lets reads and JSON writes through, Java style included', () => {
    expect(guard(req('GET', { origin: 'http://evil.example' }))).toBeUndefined();
    expect(guard(req('POST', { 'content-type': 'application/json' }))).toBeUndefined();
    expect(guard(req('POST', { 'content-type': 'application/json, application/json' }))).toBeUndefined();
    expect(guard(req('POST', { 'content-type': 'application/json;charset=UTF-8' }))).toBeUndefined();
    expect(guard(req('POST', {}, false))).toBeUndefined();
  });

  it('refuses simple cross-site bodies with 415 and foreign origins with 403', () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json, text/plain']) {
      expect(guard(req('POST', { 'content-type': type }))?.status, type).toBe(415);
    }
    expect(guard(req('POST', {}))?.status).toBe(415);
    expect(guard(req('POST', { 'content-type': 'application/json', origin: 'http://evil.example' }))?.status).toBe(403);
    expect(guard(req('POST', { 'content-type': 'application/json', origin: 'null' }))?.status).toBe(403);
    expect(guard(req('POST', { 'content-type': 'application/json', origin: 'https://console.example' }))).toBeUndefined();
    expect(guard(req('POST', { 'content-type': 'application/json', origin: 'http://node.example:8080', host: 'node.example:8080' }))).toBeUndefined();
    expect(refused).toEqual(['content-type', 'content-type', 'content-type', 'content-type', 'content-type', 'origin', 'origin']);
  });

  it('reads JSON content types as the reference does', () => {
    expect(isJsonContentType('application/problem+json')).toBe(true);
    expect(isJsonContentType('text/json')).toBe(true);
    expect(isJsonContentType('application/jsonx')).toBe(false);
  });
});

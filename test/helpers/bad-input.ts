import { request as httpRequest } from 'node:http';
import { expect } from 'vitest';
import { ErrorCodes } from '../../src/core/error-codes.js';
import { instance, type JsonCall } from './node.js';

/** Texts, raw senders and checks shared by the bad-input tests. */
export const SUCCESS_TEXT = '{"failedInstances":null,"responseStatus":{"errorCode":"success","message":"","status":"success"}}';
export const KNOWN_CODES: readonly string[] = Object.values(ErrorCodes);
export const MAX_BODY = 4 * 1024 * 1024;

/** The valid instances registered before the abuse starts; they must survive it. */
export const survivors = [
  instance({ instanceId: 'survivor:1', serviceId: 'svc.survivor' }),
  instance({ instanceId: 'survivor:2', serviceId: 'svc.survivor', metadata: { owner: 'team-a' } }),
];

/** POSTs raw bytes with chosen headers (fetch sets no content type on its own for Uint8Array bodies). */
export async function postRaw(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<JsonCall> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** The ResponseStatus-format error body of a framework error. */
export function expectErrorBody(res: JsonCall, status: number, message: RegExp | string): void {
  expect(res.status, res.text.slice(0, 300)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  expect(res.body).toBeDefined();
  expect(Object.keys(res.body)).toEqual(['responseStatus']);
  expect(res.body.responseStatus.errorCode).toBe('bad-request');
  expect(res.body.responseStatus.status).toBe('fail');
  if (typeof message === 'string') expect(res.body.responseStatus.message).toBe(message);
  else expect(res.body.responseStatus.message).toMatch(message);
}

/** Sends a body with http.request, streaming it in chunks without a Content-Length (chunked). */
export function postChunked(url: string, totalBytes: number, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    // The server may stop reading once over the limit; a reset after the answer is fine.
    req.on('error', (err) => reject(err));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    req.write('{"instances":[');
    pump();
  });
}

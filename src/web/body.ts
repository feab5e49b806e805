import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../core/errors.js';
import { isJsonContentType } from './browser-safety.js';
import { NO_TURN_BUDGET, type TurnBudget } from '../core/turn-budget.js';

const gunzipAsync = promisify(gunzip);

interface NodeBindings {
  incoming?: IncomingMessage;
}

/** Reads a web stream (requests made in process with `app.request`), at most `maxBytes`. */
async function readStreamCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new PayloadTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks, total);
}

/**
 * Reads the body straight from the Node request, at most `maxBytes`: no web stream, no promise
 * per chunk. Past the limit the rest is drained unread and the request fails with 413. A whole
 * body is handed on (decoded, and the promise resolved) when `turns` admits it.
 */
export function readIncomingCapped(req: IncomingMessage, maxBytes: number, decode?: undefined, turns?: TurnBudget): Promise<Buffer>;
/** As above, resolved with what `decode` makes of the bytes (rejected with what it throws). */
export function readIncomingCapped<T>(req: IncomingMessage, maxBytes: number, decode: (bytes: Buffer) => T, turns?: TurnBudget): Promise<T>;
export function readIncomingCapped(req: IncomingMessage, maxBytes: number, decode?: (bytes: Buffer) => unknown, turns: TurnBudget = NO_TURN_BUDGET): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        finish();
        req.resume();
        reject(new PayloadTooLargeError(maxBytes));
        return;
      }
      if (first === null) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const hand = () => {
      // a body that waited for its turn while its connection closed (the client gave up, or the
      // node closed it on shutdown) is dropped: nobody would read the answer
      if (req.socket?.destroyed === true) {
        reject(new BadRequestError('Connection closed before the request was handled', { httpStatus: 400 }));
        return;
      }
      const bytes = more !== null ? Buffer.concat(more, total) : (first ?? Buffer.alloc(0));
      if (decode === undefined) resolve(bytes);
      else {
        try {
          resolve(decode(bytes));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    };
    const onEnd = () => {
      finish();
      turns.admit(hand);
    };
    const onError = (err: Error) => {
      finish();
      reject(new BadRequestError(`Request body could not be read: ${err.message}`, { httpStatus: 400, cause: err }));
    };
    const onClose = () => {
      if (req.readableEnded) onEnd();
      else onError(new Error('connection closed before the body ended'));
    };
    const finish = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Where a request body comes from: the Node request, or a web stream (in-process `app.request`); null for none. */
export type BodySource = IncomingMessage | ReadableStream<Uint8Array> | Buffer | null;

function isIncoming(source: IncomingMessage | ReadableStream<Uint8Array> | Buffer): source is IncomingMessage {
  return !Buffer.isBuffer(source) && typeof (source as IncomingMessage).on === 'function';
}

/** The body's bytes from `source`, at most `maxBytes`; null without a body. */
function readBodyBytes(source: BodySource, maxBytes: number, turns: TurnBudget): Promise<Buffer> | null {
  if (source === null) return null;
  // Bytes read already (the peer check reads them first).
  if (Buffer.isBuffer(source)) return Promise.resolve(source);
  if (isIncoming(source)) return source.readableEnded ? Promise.resolve(Buffer.alloc(0)) : readIncomingCapped(source, maxBytes, undefined, turns);
  return readStreamCapped(source, maxBytes);
}

/**
 * Inflates (`gzip`, capped at `maxBytes` after inflation, so a small gzip bomb cannot blow up
 * memory) and parses a request body already read; an empty body reads as `null`.
 * @throws PayloadTooLargeError (413), BadRequestError (400)
 */
export async function decodeJsonBytes(bytes: Buffer, gzipped: boolean, maxBytes: number): Promise<unknown> {
  if (gzipped) {
    try {
      bytes = await gunzipAsync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLargeError(maxBytes);
      throw new BadRequestError(`Request body is not valid gzip: ${(err as Error).message}`, { httpStatus: 400, cause: err });
    }
  }
  return parseJsonBytes(bytes);
}

/** Parses JSON bytes; empty reads as `null`. @throws BadRequestError (400) */
export function parseJsonBytes(bytes: Buffer): unknown {
  if (bytes.length === 0) return null;
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new BadRequestError(`Request body is not valid JSON: ${(err as Error).message}`, { httpStatus: 400, cause: err });
  }
}

/** What the body reader reads of a request's headers (lower-case names). */
export interface HeaderSource {
  header(name: string): string | undefined;
}

/**
 * Reads a JSON request body: checks the content type, caps the size (before and after gzip
 * inflation), inflates `Content-Encoding: gzip` and parses. An empty body reads as `null`. The
 * one body reader of every route, whichever way the request came in. Not an async function: a
 * plain body costs the read and one continuation, no further promise. A body read from the Node
 * request is parsed and handed on when `turns` admits it.
 * @throws UnsupportedMediaTypeError (415), PayloadTooLargeError (413), BadRequestError (400), as rejections
 */
export function readJsonFrom(req: HeaderSource, source: BodySource, maxBytes: number, turns: TurnBudget = NO_TURN_BUDGET): Promise<unknown> {
  let gzipped = false;
  try {
    const contentType = req.header('content-type');
    // No type with a body was refused by the browser-safety guard; an empty body reads as null.
    if (contentType !== undefined && contentType.trim() !== '' && !isJsonContentType(contentType)) throw new UnsupportedMediaTypeError(contentType);
    const length = req.header('content-length');
    if (length !== undefined) {
      const declared = Number(length);
      if (Number.isFinite(declared) && declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
    }
    const contentEncoding = req.header('content-encoding');
    if (contentEncoding !== undefined) {
      const encoding = contentEncoding.split(',')[0]?.trim().toLowerCase() ?? '';
      gzipped = encoding === 'gzip' || encoding === 'x-gzip';
      if (!gzipped && encoding !== '' && encoding !== 'identity') {
        const refused = new UnsupportedMediaTypeError(`Content-Encoding ${encoding}`);
        // An unread Node request body is drained by node:http once the answer is sent.
        if (source !== null && !Buffer.isBuffer(source) && !isIncoming(source)) return source.cancel().then(() => Promise.reject(refused));
        throw refused;
      }
    }
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  if (source === null) return Promise.resolve(null);
  // a plain body from the Node request is parsed as it ends: no promise between the read and the parse
  if (!gzipped && isIncoming(source) && !source.readableEnded) return readIncomingCapped(source, maxBytes, parseJsonBytes, turns);
  const bytes = readBodyBytes(source, maxBytes, turns)!;
  return gzipped ? bytes.then((b) => decodeJsonBytes(b, true, maxBytes)) : bytes.then(parseJsonBytes);
}

/**
 * The raw body bytes of a Hono request, at most `maxBytes` (as declared and as read), for checks
 * over the bytes as sent (the peer signature) before they are decoded; empty when there is none.
 * @throws PayloadTooLargeError (413), BadRequestError (400)
 */
export async function readRawBody(c: Context, maxBytes: number, turns: TurnBudget = NO_TURN_BUDGET): Promise<Buffer> {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  return (await readBodyBytes(incoming ?? c.req.raw.body, maxBytes, turns)) ?? Buffer.alloc(0);
}

/** `readJsonFrom` for a Hono request: the Node request when there is one, else the web request's stream. */
export function readJsonBody(c: Context, maxBytes: number, turns: TurnBudget = NO_TURN_BUDGET): Promise<unknown> {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  return readJsonFrom(c.req, incoming ?? c.req.raw.body, maxBytes, turns);
}

import { EventEmitter } from 'node:events';
import type { SocketLike } from './options.js';

/** Test support: a WebSocket the test opens, feeds and drops by hand. */
export class FakeSocket extends EventEmitter implements SocketLike {
  readyState = 0;
  readonly sent: string[] = [];
  pings = 0;

  constructor(readonly url: string) {
    super();
  }

  send(data: string): void {
    this.sent.push(data);
  }

  ping(): void {
    this.pings++;
  }

  close(code = 1000): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    queueMicrotask(() => this.drop(code));
  }

  terminate(): void {
    this.close(1006);
  }

  /** Completes the handshake. */
  open(): void {
    this.readyState = 1;
    this.emit('open');
  }

  /** Delivers a text frame. */
  receive(frame: unknown): void {
    this.emit('message', Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame)), false);
  }

  /** The connection ends with `code`. */
  drop(code = 1006): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', code);
  }

  /** Frames sent so far, parsed. */
  frames(): Array<Record<string, unknown>> {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

/** Test support: records sockets created by a client. */
export class FakeSockets {
  readonly all: FakeSocket[] = [];
  readonly create = (url: string): FakeSocket => {
    const s = new FakeSocket(url);
    this.all.push(s);
    return s;
  };

  get last(): FakeSocket {
    const s = this.all[this.all.length - 1];
    if (s === undefined) throw new Error('no socket was created');
    return s;
  }
}

/** One recorded HTTP call. */
export interface FakeCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

/** Decides the answer of a call: a Response, or an Error to throw (a network failure). */
export type Responder = (call: FakeCall, signal: AbortSignal | undefined) => Response | Error | Promise<Response | Error>;

/** Test support: a `fetch` that records calls and answers through `respond`. */
export class FakeFetch {
  readonly calls: FakeCall[] = [];
  respond: Responder = () => new Error('no responder');

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    const call: FakeCall = { url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) }, body };
    this.calls.push(call);
    const answer = await this.respond(call, init?.signal ?? undefined);
    if (answer instanceof Error) throw answer;
    return answer;
  };

  /** Calls whose URL contains `part`. */
  to(part: string): FakeCall[] {
    return this.calls.filter((c) => c.url.includes(part));
  }
}

/** Test support: a JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** Test support: a response status object. */
export function rs(errorCode = 'success', status = errorCode === 'success' ? 'success' : 'fail', message = ''): Record<string, string> {
  return { errorCode, message, status };
}

/** Test support: a promise that never settles until the signal aborts. */
export function hang(signal: AbortSignal | undefined): Promise<Error> {
  return new Promise((resolve) => signal?.addEventListener('abort', () => resolve(new Error('aborted'))));
}

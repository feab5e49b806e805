import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ArtemisClientError } from './errors.js';
import { HttpTransport } from './http.js';
import { NodePool } from './node-pool.js';
import { resolveOptions } from './options.js';
import { FakeFetch, hang, json, rs } from './test-fakes.js';
import { TimerSet, systemTimers } from './timers.js';

function transport(fake: FakeFetch, urls = ['http://a', 'http://b']) {
  const options = resolveOptions({ urls, fetch: fake.fetch, random: () => 0, retryAttempts: 3, retryDelayMs: 10, requestTimeoutMs: 500 });
  const pool = new NodePool(options.urls, { timers: systemTimers, random: () => 0, backoff: options.backoff });
  const closing = new AbortController();
  const timers = new TimerSet(systemTimers);
  return { http: new HttpTransport(pool, options, timers, closing.signal), pool, closing, timers };
}

const host = (url: string) => new URL(url).host;

describe('HttpTransport', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('moves to another node after a network error and sets the failed one aside', async () => {
    const fake = new FakeFetch();
    fake.respond = (c) => (c.url.startsWith('http://a') ? new Error('ECONNREFUSED') : json({ responseStatus: rs() }));
    const { http, pool } = transport(fake);
    const run = http.request({ path: '/x.json', body: { a: 1 } });
    await vi.runAllTimersAsync();
    const answer = await run;
    expect(answer.node).toBe('http://b');
    expect(fake.calls.map((c) => host(c.url))).toEqual(['a', 'b']);
    expect(fake.calls[0]!.body).toEqual({ a: 1 });
    expect(pool.list().find((n) => n.url === 'http://a')!.failures).toBe(1);
  });

  it('treats "service down" answers and HTTP 5xx as node failures, and retries rate-limited on the same node', async () => {
    const fake = new FakeFetch();
    const answers = [json({ responseStatus: rs('rate-limited') }), json({ responseStatus: rs('service-unavailable') }), json({}, 503), json({ responseStatus: rs() })];
    fake.respond = () => answers.shift()!;
    const { http } = transport(fake);
    const run = http.request({ path: '/x.json', attempts: 4 });
    await vi.runAllTimersAsync();
    expect((await run).responseStatus?.status).toBe('success');
    expect(fake.calls.map((c) => host(c.url))).toEqual(['a', 'a', 'b', 'a']);
  });

  it('returns final failures to the caller without retrying', async () => {
    const fake = new FakeFetch();
    fake.respond = () => json({ responseStatus: rs('no-permission') });
    const answer = await transport(fake).http.request({ path: '/x.json' });
    expect(answer.responseStatus?.errorCode).toBe('no-permission');
    expect(fake.calls).toHaveLength(1);
  });

  it('does not retry a 404 and reports the HTTP status', async () => {
    const fake = new FakeFetch();
    fake.respond = () => new Response('not found', { status: 404 });
    const err = await transport(fake).http.request({ path: '/nope.json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtemisClientError);
    expect((err as ArtemisClientError).httpStatus).toBe(404);
    expect(fake.calls).toHaveLength(1);
  });

  it('times an attempt out with the injected timers, then gives up with the last error', async () => {
    const fake = new FakeFetch();
    fake.respond = (_c, signal) => hang(signal);
    const { http, timers } = transport(fake);
    const run = http.request({ path: '/x.json' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    const err = (await run) as ArtemisClientError;
    expect(err.code).toBe('timeout');
    expect(fake.calls).toHaveLength(3);
    expect(timers.size).toBe(0);
  });

  it('an answer without responseStatus is a bad node', async () => {
    const fake = new FakeFetch();
    fake.respond = (c) => (c.url.startsWith('http://a') ? new Response('<html>', { status: 200 }) : json({ responseStatus: rs() }));
    const run = transport(fake).http.request({ path: '/x.json' });
    await vi.runAllTimersAsync();
    expect((await run).node).toBe('http://b');
  });

  it('aborts in-flight calls on close', async () => {
    const fake = new FakeFetch();
    fake.respond = (_c, signal) => hang(signal);
    const { http, closing } = transport(fake);
    const run = http.request({ path: '/x.json' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1);
    closing.abort();
    expect(((await run) as ArtemisClientError).code).toBe('closed');
  });
});

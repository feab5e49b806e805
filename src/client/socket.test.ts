import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NodePool } from './node-pool.js';
import { resolveOptions } from './options.js';
import { ManagedSocket, toWebSocketUrl } from './socket.js';
import { FakeSockets } from './test-fakes.js';
import { TimerSet, systemTimers } from './timers.js';

function setup(urls = ['http://a:1', 'http://b:2'], random = () => 0) {
  const sockets = new FakeSockets();
  const options = resolveOptions({ urls, createSocket: sockets.create, random, backoff: { initialMs: 100, maxMs: 800 }, pingIntervalMs: 1_000, connectTimeoutMs: 300 });
  const pool = new NodePool(options.urls, { timers: systemTimers, random, backoff: options.backoff });
  const timers = new TimerSet(systemTimers);
  const events: string[] = [];
  const socket = new ManagedSocket('/ws/x', pool, options, timers, {
    onOpen: (node) => events.push(`open ${node}`),
    onMessage: (text) => events.push(`msg ${text}`),
    onDown: (node) => events.push(`down ${node}`),
  });
  return { sockets, pool, timers, socket, events };
}

describe('ManagedSocket', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('derives ws URLs from node URLs', () => {
    expect(toWebSocketUrl('http://h:8080/artemis', '/ws/registry/heartbeat')).toBe('ws://h:8080/artemis/ws/registry/heartbeat');
    expect(toWebSocketUrl('HTTPS://h', '/ws/x')).toBe('wss://h/ws/x');
  });

  it('reconnects with jittered exponential backoff, and resets it after a successful open', async () => {
    const { sockets, socket, events } = setup(['http://a:1'], () => 0.5);
    socket.start();
    sockets.last.drop(1006); // handshake failed
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = sockets.all.length;
      const started = Date.now();
      while (sockets.all.length === before) await vi.advanceTimersByTimeAsync(1);
      delays.push(Date.now() - started);
      if (i < 3) sockets.last.drop(1006);
    }
    expect(delays).toEqual([75, 150, 300, 600]);
    sockets.last.open();
    sockets.last.drop(1001);
    await vi.advanceTimersByTimeAsync(75);
    expect(sockets.all).toHaveLength(6);
    expect(events).toEqual(['open http://a:1', 'down http://a:1']);
  });

  it('moves to another node when the connection to one fails', async () => {
    const { sockets, socket } = setup();
    socket.start();
    expect(sockets.last.url).toBe('ws://a:1/ws/x');
    sockets.last.drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets.last.url).toBe('ws://b:2/ws/x');
  });

  it('gives up a handshake after the connect timeout', async () => {
    const { sockets, socket } = setup();
    socket.start();
    await vi.advanceTimersByTimeAsync(300);
    expect(sockets.all[0]!.readyState).toBe(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets.all).toHaveLength(2);
  });

  it('pings each interval and drops a connection whose pong does not come', async () => {
    const { sockets, socket, events } = setup();
    socket.start();
    sockets.last.open();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets.last.pings).toBe(1);
    sockets.last.emit('pong');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets.last.pings).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets.all[0]!.readyState).toBe(3);
    expect(events).toContain('down http://a:1');
  });

  it('sends only while open, passes text frames on, and close() leaves no timer', async () => {
    const { sockets, socket, events, timers } = setup();
    socket.start();
    expect(socket.send('early')).toBe(false);
    sockets.last.open();
    expect(socket.send('hello')).toBe(true);
    sockets.last.receive('{"a":1}');
    expect(sockets.last.sent).toEqual(['hello']);
    expect(events).toContain('msg {"a":1}');
    await socket.close();
    expect(sockets.last.readyState).toBe(3);
    expect(timers.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

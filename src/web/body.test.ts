import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../core/turn-budget.js';
import { readIncomingCapped } from './body.js';

/** A Node request as the body reader sees it: data and end events, and its socket. */
function fakeRequest(socket: { destroyed: boolean }): IncomingMessage & EventEmitter {
  const req = new EventEmitter() as IncomingMessage & EventEmitter;
  Object.assign(req, { socket, readableEnded: false, resume: () => req });
  return req;
}

describe('readIncomingCapped', () => {
  it('hands a whole body on when the turn budget admits it', async () => {
    const req = fakeRequest({ destroyed: false });
    const read = readIncomingCapped(req, 100, (b) => b.toString());
    req.emit('data', Buffer.from('{"a":'));
    req.emit('data', Buffer.from('1}'));
    req.emit('end');
    await expect(read).resolves.toBe('{"a":1}');
  });

  it('drops a body whose connection closed while it waited for its turn', async () => {
    const socket = { destroyed: false };
    let t = 0;
    const turns = new TurnBudget(1, 100, () => t);
    // a first piece of work spends the turn, so the body waits
    turns.admit(() => (t += 5));
    const req = fakeRequest(socket);
    let decoded = false;
    const read = readIncomingCapped(req, 100, () => (decoded = true), turns);
    req.emit('data', Buffer.from('{}'));
    req.emit('end');
    expect(turns.waiting).toBe(1);
    socket.destroyed = true;
    await expect(read).rejects.toThrow('Connection closed before the request was handled');
    expect(decoded).toBe(false);
  });

  it('refuses a body over the limit without waiting for a turn', async () => {
    const req = fakeRequest({ destroyed: false });
    const read = readIncomingCapped(req, 4, (b) => b.toString());
    req.emit('data', Buffer.from('12345'));
    await expect(read).rejects.toThrow('Request body exceeds the limit of 4 bytes (limits.maxBodyBytes).');
  });
});

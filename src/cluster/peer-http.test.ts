import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerHttp } from './peer-http.js';
import { keyBytes, PeerSigner } from './peer-signature.js';

const signer = new PeerSigner(keyBytes('k'.repeat(32)), { now: () => Date.now() });

describe('PeerHttp', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  /** A peer that takes the request and never answers; resolves how its connection ended. */
  async function silentPeer(): Promise<{ url: string; ended: Promise<string> }> {
    let report: (how: string) => void = () => undefined;
    const ended = new Promise<string>((resolve) => (report = resolve));
    const sockets: Socket[] = [];
    const server = createServer((s) => {
      sockets.push(s);
      s.on('data', () => undefined);
      s.on('end', () => report('closed'));
      s.on('error', (err: NodeJS.ErrnoException) => report(err.code ?? err.message));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, ended };
  }

  it('resets the connection of a call it gave up on, so its bytes cannot reach the peer later', async () => {
    const peer = await silentPeer();
    const http = new PeerHttp({ signer });
    const call = http.fetch(`${peer.url}/api/replication/registry/heartbeat.json`, { method: 'POST', body: '{"instances":[]}', signal: AbortSignal.timeout(100) });
    await expect(call).rejects.toThrow();
    expect(await peer.ended).toBe('ECONNRESET');
  });

  it('fails a call to a peer that refuses the connection, and answers the next one', async () => {
    const peer = await silentPeer();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const http = new PeerHttp({ signer });
    await expect(http.fetch(`http://127.0.0.1:${port}/`, { method: 'GET', signal: AbortSignal.timeout(500) })).rejects.toThrow();
    await expect(http.fetch(`${peer.url}/`, { method: 'GET', signal: AbortSignal.timeout(50) })).rejects.toThrow();
    expect(await peer.ended).toBe('ECONNRESET');
  });
});

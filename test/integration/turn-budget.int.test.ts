import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { instance, startTestNode, type RunningNode } from '../helpers/node.js';

const CONNECTIONS = 20;
const PER_REQUEST = 100;
const SERVICE = 'turns.demo';

/** A keep-alive connection that sends one raw request at a time and collects the answer's text. */
class RawConnection {
  private got = '';
  private waiter: ((text: string) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.got += d.toString();
      const head = this.got.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(this.got)?.[1];
      if (head >= 0 && length !== undefined && Buffer.byteLength(this.got) >= head + 4 + Number(length)) {
        const text = this.got;
        this.got = '';
        this.waiter?.(text);
      }
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { port } = new URL(url);
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), '127.0.0.1', () => resolve(new RawConnection(s)));
      s.on('error', reject);
    });
  }

  /** Writes the request now; the promise gives the whole answer. */
  send(raw: string): Promise<string> {
    const answer = new Promise<string>((resolve) => (this.waiter = resolve));
    this.socket.write(raw);
    return answer;
  }

  close(): void {
    this.socket.destroy();
  }
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`;
function register(connection: number): string {
  const instances = Array.from({ length: PER_REQUEST }, (_, i) => instance({ serviceId: SERVICE, instanceId: `c${connection}-i${i}` }));
  const text = JSON.stringify({ instances });
  return `POST /api/registry/register.json HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

const deferred = async (url: string) => Number(/^artemis_http_deferred_bodies_total (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? 0);

/** Registers from every connection at once, over connections opened (and accepted) before. */
async function burst(n: RunningNode): Promise<string[]> {
  const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => RawConnection.open(n.url)));
  try {
    for (const c of connections) expect(await c.send(get('/health'))).toContain('HTTP/1.1 200');
    return await Promise.all(connections.map((c, i) => c.send(register(i))));
  } finally {
    for (const c of connections) c.close();
  }
}

const UNLIMITED = { 'rateLimit.registry.defaultLimit': 100_000_000, 'limits.maxRegistrationsPerClientPerSecond': 0, 'limits.maxInstancesPerClient': 0, 'discovery.coalesceMs': 0 };

describe('request bodies within a turn budget', () => {
  let n: RunningNode | undefined;
  afterEach(async () => {
    await n?.stop();
    n = undefined;
  });

  it('defers the bodies past a turn\'s budget and still answers every one, each registration applied', async () => {
    n = await startTestNode({ ...UNLIMITED, 'http.turnSliceMs': 1 });
    const answers = await burst(n);
    for (const a of answers) {
      expect(a).toContain('HTTP/1.1 200');
      expect(a).toContain('"status":"success"');
    }
    // twenty bodies of 100 instances read in one turn cannot all fit into 1 ms of it
    expect(await deferred(n.url)).toBeGreaterThan(0);
    const service = (await (await fetch(`${n.url}/api/discovery/service.json?serviceId=${SERVICE}&regionId=SHA&zoneId=sha-z1`)).json()) as { service: { instances: unknown[] } };
    expect(service.service.instances).toHaveLength(CONNECTIONS * PER_REQUEST);
  });

  it('with the budget off (0) handles every body as it ends', async () => {
    n = await startTestNode({ ...UNLIMITED, 'http.turnSliceMs': 0 });
    const answers = await burst(n);
    expect(answers.filter((a) => a.includes('"status":"success"'))).toHaveLength(CONNECTIONS);
    expect(await deferred(n.url)).toBe(0);
  });
});

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instance, startTestNode, type RunningNode } from '../helpers/node.js';

const body = (id: string) => JSON.stringify({ instances: [instance({ instanceId: id, serviceId: 'edge.demo' })] });
const post = (path: string, text: string) =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;

function exchange(url: string, raw: string, until: (text: string) => boolean): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1');
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (until(got)) { s.destroy(); resolve(got); }
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.write(raw);
  });
}

describe('direct path edge', () => {
  let n: RunningNode;
  const rejections: unknown[] = [];
  const onRejection = (r: unknown) => rejections.push(r);
  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    n = await startTestNode();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await n.stop();
  });

  it('answers pipelined registrations in order, each once', async () => {
    const raw = post('/api/registry/register.json', body('p1')) + post('/api/registry/register.json', body('p1')) + post('/api/registry/heartbeat.json', '{"instances":[');
    const text = await exchange(n.url, raw, (t) => (t.match(/HTTP\/1\.1 /g) ?? []).length >= 3 && t.includes('not valid JSON'));
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '400']);
  });

  it('survives a body cut off mid-read and a body split across writes', async () => {
    const { port } = new URL(n.url);
    await new Promise<void>((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => {
        s.write('POST /api/registry/register.json HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"instances":[');
        setTimeout(() => { s.destroy(); resolve(); }, 50);
      });
    });
    const text = await exchange(n.url, post('/api/registry/register.json', body('p2')), (t) => t.includes('"status":"success"'));
    expect(text).toContain('HTTP/1.1 200');
    await new Promise((r) => setTimeout(r, 50));
    expect(rejections).toEqual([]);
  });
});

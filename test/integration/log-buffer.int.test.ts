import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { instance, postJson, tempDataDir } from '../helpers/node.js';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

/** The node's first stdout line; stdout is paused after it, and nothing reads it afterwards. */
async function firstLine(stdout: NodeJS.ReadableStream): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end < 0) return;
      stdout.off('data', onData);
      stdout.pause();
      resolve(JSON.parse(text.slice(0, end)) as Record<string, unknown>);
    };
    stdout.on('data', onData);
    stdout.once('end', () => reject(new Error('no output')));
  });
}

function droppedLines(metrics: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith('artemis_log_dropped_lines_total '));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('log output buffer', () => {
  it('a stdout nobody reads never blocks the node: lines beyond log.maxBufferBytes are dropped and counted, and logging goes on once stdout is read again', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', tempDataDir(),
      '--region', 'SHA', '--zone', 'sha-z1', '--set', 'log.format=json', '--set', 'log.maxBufferBytes=65536', '--log-level', 'debug', '--set', 'limits.maxRegistrationsPerClientPerSecond=0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const first = await firstLine(child.stdout);
      const base = `http://127.0.0.1:${first.port as number}`;
      // Nothing reads stdout from here on: the pipe (64 KiB) and then the buffer (64 KiB) fill up.
      const fleet = Array.from({ length: 3000 }, (_, i) => instance({ serviceId: 'log.buffer', instanceId: `i-${i}-${'x'.repeat(40)}`, url: `http://10.0.${i >> 8}.${i & 255}:8080` }));
      for (let i = 0; i < fleet.length; i += 100) {
        const batch = fleet.slice(i, i + 100);
        expect((await postJson(`${base}/api/registry/register.json`, { instances: batch })).body).toMatchObject({ responseStatus: { errorCode: 'success' } });
        // At debug each unregistered instance is one line (instance-unregistered), about 300 bytes.
        expect((await postJson(`${base}/api/registry/unregister.json`, { instances: batch })).body).toMatchObject({ responseStatus: { errorCode: 'success' } });
      }
      const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
      expect(health.status).toBe(200);
      const dropped = droppedLines(await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) })).text());
      expect(dropped).toBeGreaterThan(1000);

      // Read stdout again: the buffered lines and new ones arrive.
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stdout.resume();
      // Lines logged while the buffer still drains may be dropped too: log one every 100 ms until one arrives.
      const until = Date.now() + 5000;
      for (let n = 0; !text.includes('"instanceId":"late-') && Date.now() < until; n++) {
        const late = instance({ serviceId: 'log.buffer', instanceId: `late-${n}`, url: 'http://10.9.9.9:8080' });
        await postJson(`${base}/api/registry/register.json`, { instances: [late] });
        await postJson(`${base}/api/registry/unregister.json`, { instances: [late] });
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(text).toContain('"instanceId":"late-');
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

function startCli(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

async function firstLogLine(child: ChildProcessWithoutNullStreams): Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    lines.close();
    return JSON.parse(line) as Record<string, unknown>;
  }
  throw new Error('no output');
}

describe('artemis server process', () => {
  it('prints the chosen port in the first log line, serves, and exits by itself on SIGTERM', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'artemis-')), 'data');
    const child = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir]);
    try {
      const first = await firstLogLine(child);
      expect(first.msg).toBe('artemis node listening');
      const port = first.port as number;
      expect(port).toBeGreaterThan(0);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(200);
      const started = Date.now();
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('lists every configuration problem and exits with code 2', async () => {
    const child = startCli(['server', '--port', 'abc', '--set', 'registry.lease.ttlMs=5'], { ARTEMIS_LOG_LEVEL: 'loud' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('ARTEMIS_LOG_LEVEL');
    expect(stderr).toContain('registry.lease.ttlMs');
    expect(stderr).toContain('--port');
  });
});

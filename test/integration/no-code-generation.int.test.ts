import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { CLI_SOURCE, cleanEnv } from '../helpers/child.js';
import { SUCCESS_TEXT } from '../helpers/bad-input.js';
import { getJson, instance, postJson, tempDataDir } from '../helpers/node.js';
import { noteNodeUnderTest } from '../helpers/openapi-responses.js';

/**
 * A server in a node that refuses code generation from strings: the wire codec, the instance
 * comparer and the field length check fall back to plain closures, and a register + discovery
 * round works as it does elsewhere.
 */
describe('artemis server under --disallow-code-generation-from-strings', () => {
  it('registers, renews and discovers an instance', async () => {
    const dataDir = tempDataDir();
    const args = ['--disallow-code-generation-from-strings', '--import', 'tsx', CLI_SOURCE, 'server', '--port', '0', '--host', '127.0.0.1', '--region', 'SHA', '--zone', 'sha-z1', '--data-dir', dataDir];
    const child = spawn(process.execPath, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      let first: Record<string, unknown> | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        first = JSON.parse(line) as Record<string, unknown>;
        break;
      }
      expect(first?.msg, err).toBe('artemis node listening');
      const url = `http://127.0.0.1:${first!.port as number}`;
      await noteNodeUnderTest(url);

      const one = instance({ instanceId: 'i1', metadata: { Weight: '3' } });
      expect((await postJson(`${url}/api/registry/register.json`, { instances: [one] })).text).toBe(SUCCESS_TEXT);
      // the same data again takes the held-lease path of the comparer
      expect((await postJson(`${url}/api/registry/register.json`, { instances: [one] })).text).toBe(SUCCESS_TEXT);
      expect((await postJson(`${url}/api/registry/heartbeat.json`, { instances: [one] })).text).toBe(SUCCESS_TEXT);
      const tooLong = await postJson(`${url}/api/registry/register.json`, { instances: [instance({ instanceId: 'i2', machineName: 'm'.repeat(5_000) })] });
      expect(tooLong.text).toContain('limits.maxFieldLength');

      const found = await getJson(`${url}/api/discovery/service.json?serviceId=${one.serviceId}&regionId=SHA&zoneId=sha-z1`);
      expect(found.status).toBe(200);
      expect(found.body.service.instances).toEqual([one]);
      const looked = await postJson(`${url}/api/discovery/lookup.json`, { discoveryConfigs: [{ serviceId: 'DEMO.ORDER' }], regionId: 'SHA', zoneId: 'sha-z1' });
      expect(looked.body.services.map((s: { instances: unknown[] }) => s.instances)).toEqual([[one]]);
      expect(err).toBe('');
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

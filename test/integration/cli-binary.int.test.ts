/**
 * The built `artemis` binary (dist/, as npm installs it) as an operator uses it: --version,
 * pipes that close early, "did you mean", unknown services and instances, register
 * --keepalive, shell completion, the operator header, bench's server metrics.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, finish, type ChildRun as Run } from '../helpers/child.js';
import { getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: { artemis: string } };
const BIN = join(root, pkg.bin.artemis);

function start(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A shell pipeline with pipefail: the exit code is the CLI's unless the reader failed. */
function pipeline(command: string, env: Record<string, string>): Promise<Run> {
  const child = spawn('bash', ['-o', 'pipefail', '-c', command], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  return finish(child);
}

/** Resolves with the first stdout text matching `re`. */
function waitForOutput(child: ChildProcessWithoutNullStreams, re: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} in: ${text}`)), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (re.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

beforeAll(() => {
  // The binary of package.json "bin", freshly built from the sources under test.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8', timeout: 170_000 });
  expect(res.stdout + res.stderr).toBe('');
  expect(res.status).toBe(0);
}, 180_000);

describe('artemis --version', () => {
  it('prints the package version, with exit 0, as --version, -V and version', async () => {
    for (const flag of ['--version', '-V', 'version']) expect(await finish(start([flag]))).toMatchObject({ code: 0, out: `artemis ${pkg.version}\n`, err: '' });
  });
});

describe('did you mean', () => {
  it('answers a mistyped command, subcommand or flag with the nearest ones and exit 2, not the whole usage', async () => {
    const [cmd, sub, flag, server, shell] = await Promise.all([
      finish(start(['servce', 'list'])),
      finish(start(['service', 'lst'])),
      finish(start(['status', '--jsn'])),
      finish(start(['server', '--prot', '1'])),
      finish(start(['completion', 'bsh'])),
    ]);
    expect(cmd).toMatchObject({ code: 2, out: '' });
    expect(cmd.err).toMatch(/^artemis: unknown command: servce; did you mean service or server\?\n/);
    expect(cmd.err.split('\n').length).toBeLessThan(4);
    expect(sub).toMatchObject({ code: 2, out: '' });
    expect(sub.err).toMatch(/^artemis: unknown command: service lst; did you mean service list\?\n/);
    expect(flag).toMatchObject({ code: 2, out: '' });
    expect(flag.err).toMatch(/^artemis: unknown option --jsn; did you mean --json\?\n/);
    expect(server.code).toBe(2);
    expect(shell).toMatchObject({ code: 2, out: '' });
    expect(shell.err).toMatch(/^artemis: unknown shell: bsh; did you mean bash or zsh\?\n/);
    const far = await finish(start(['xyzzy']));
    expect(far).toMatchObject({ code: 2, out: '' });
    expect(far.err).toMatch(/^artemis: unknown command: xyzzy\n/);
  });
});

describe('against a real node', () => {
  let n: RunningNode;
  // ARTEMIS_DATA_DIR names the node's data directory: management writes use the admin token there
  const env = () => ({ ARTEMIS_URL: n.url, USER: 'cli-binary-test', ARTEMIS_DATA_DIR: n.node.config.dataDir });
  const run = (...args: string[]) => finish(start(args, env()));
  beforeAll(async () => {
    n = await startTestNode({ 'discovery.coalesceMs': 0 });
    const instances = Array.from({ length: 3 }, (_, i) => instance({ serviceId: 'demo.pipe', instanceId: `p${i}`, url: `http://10.2.0.${i}:80` }));
    await postJson(`${n.url}/api/registry/register.json`, { instances });
  });
  afterAll(async () => {
    await n.stop();
  });

  describe('pipes', () => {
    it('`artemis cluster status | head -1` prints the first line and exits 0 without a stack trace', async () => {
      const res = await pipeline(`${sh(process.execPath)} ${sh(BIN)} cluster status | head -1`, env());
      expect(res).toMatchObject({ code: 0, out: 'members\n', err: '' });
    });

    it('a reader that is gone before the first write: exit 0, nothing on stderr (EPIPE)', async () => {
      for (const args of [['cluster', 'status'], ['service', 'list', '--json'], ['completion', 'bash'], ['--version']]) {
        const child = start(args, env());
        child.stdout.destroy();
        const res = await finish(child);
        expect({ args, code: res.code, signal: res.signal, err: res.err }).toEqual({ args, code: 0, signal: null, err: '' });
      }
    });

    it('`artemis watch S | head -1` ends by itself at the first write after head is gone', async () => {
      const watching = pipeline(`${sh(process.execPath)} ${sh(BIN)} watch demo.pipe --json | head -1`, env());
      // head has the snapshot line and exits; the next change makes watch write into the closed pipe.
      await new Promise((r) => setTimeout(r, 1_500));
      await postJson(`${n.url}/api/registry/register.json`, { instances: [instance({ serviceId: 'demo.pipe', instanceId: 'p-late', url: 'http://10.2.0.9:80' })] });
      const res = await watching;
      expect(res.code).toBe(0);
      expect(res.err).toBe('');
      expect(JSON.parse(res.out)).toMatchObject({ event: 'snapshot', serviceId: 'demo.pipe' });
    });

    it('SIGPIPE stops a running watch quietly with exit 0', async () => {
      const child = start(['watch', 'demo.pipe'], env());
      const done = finish(child);
      await waitForOutput(child, /watching demo\.pipe/);
      child.kill('SIGPIPE');
      expect(await done).toMatchObject({ code: 0, signal: null, err: '' });
    });
  });

  describe('unknown services and instances', () => {
    it('service get and instance list of a service the node does not have: exit 1 with a one-line reason', async () => {
      const results = await Promise.all([run('service', 'get', 'demo.none'), run('instance', 'list', 'demo.none'), run('service', 'get', 'demo.none', '--json')]);
      for (const r of results) {
        expect(r).toMatchObject({ code: 1, out: '' });
        expect(r.err).toMatch(/^artemis: no service demo\.none in SHA\/sha-z1 \(.*\)\n$/);
      }
      expect(await run('service', 'get', 'demo.pipe')).toMatchObject({ code: 0, err: '' });
    });

    it('unregister and pull-out of an unknown instance succeed as in Java, with a warning; of a known one, without', async () => {
      const unregister = await run('instance', 'unregister', '--service', 'demo.pipe', '--instance-id', 'ghost', '--instance-url', 'http://x');
      expect(unregister.code).toBe(0);
      expect(unregister.err).toBe('artemis: warning: demo.pipe/ghost is not registered on the node; nothing to unregister\n');
      const pullOut = await run('instance', 'pull-out', '--service', 'demo.pipe', '--instance-id', 'ghost');
      expect(pullOut.code).toBe(0);
      expect(pullOut.err).toBe('artemis: warning: demo.pipe/ghost is not registered on the node; the operation is stored and applies if it registers\n');
      await run('instance', 'pull-in', '--service', 'demo.pipe', '--instance-id', 'ghost');
      const known = await run('instance', 'pull-out', '--service', 'demo.pipe', '--instance-id', 'p1');
      expect(known).toMatchObject({ code: 0, err: '' });
      const back = await run('instance', 'pull-in', '--service', 'demo.pipe', '--instance-id', 'p1');
      expect(back).toMatchObject({ code: 0, err: '' });
    });

    it('watch of a service without instances warns and keeps watching', async () => {
      const child = start(['watch', 'demo.later', '--count', '1'], env());
      const done = finish(child);
      await waitForOutput(child, /watching demo\.later: 0 instance/);
      await postJson(`${n.url}/api/registry/register.json`, { instances: [instance({ serviceId: 'demo.later', instanceId: 'l1' })] });
      const res = await done;
      expect(res.code).toBe(0);
      expect(res.err).toBe('artemis: warning: no instance of demo.later is registered yet; watching for changes\n');
      expect(res.out).toMatch(/new\s+demo\.later\/l1/);
    });
  });

  describe('instance register --keepalive', () => {
    // A node of its own with a 2 s lease TTL: without heartbeats an instance is gone within 2.1 s.
    let short: RunningNode;
    beforeAll(async () => {
      short = await startTestNode({ 'registry.lease.ttlMs': 2_000, 'registry.lease.sweepIntervalMs': 100, 'discovery.coalesceMs': 0 });
    });
    afterAll(async () => {
      await short.stop();
    });
    const shortLookup = async (serviceId: string) => {
      const res = await getJson(`${short.url}/api/discovery/service.json?serviceId=${serviceId}&regionId=SHA&zoneId=sha-z1`);
      return (res.body.service?.instances ?? null) as Array<{ instanceId: string }> | null;
    };

    it('heartbeats past the lease TTL, registers again after the node forgot it, and unregisters on Ctrl-C', async () => {
      const args = ['instance', 'register', '--service', 'demo.keep', '--instance-id', 'k1', '--instance-url', 'http://10.3.0.1:80', '--keepalive', '--interval', '200'];
      const child = start(args, { ARTEMIS_URL: short.url });
      const done = finish(child, 40_000);
      await waitForOutput(child, /registered demo\.keep\/k1 on .*; heartbeat every 200 ms/);
      const heartbeats = async () => {
        const text = await (await fetch(`${short.url}/metrics`)).text();
        return Number(/artemis_registry_operations_total\{operation="heartbeat",result="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
      };
      const before = await heartbeats();
      await until('three heartbeats', async () => ((await heartbeats()) >= before + 3 ? true : undefined));
      // More than a lease TTL (2 s) after the registration, the instance is still there.
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await shortLookup('demo.keep'))?.map((i) => i.instanceId)).toEqual(['k1']);

      // The node forgets it: the next heartbeat answers data-not-found and the CLI registers again.
      await postJson(`${short.url}/api/registry/unregister.json`, { instances: [instance({ serviceId: 'demo.keep', instanceId: 'k1', url: 'http://10.3.0.1:80' })] });
      await waitForOutput(child, /registered demo\.keep\/k1 again on /);
      await until('k1 back in discovery', async () => ((await shortLookup('demo.keep'))?.length === 1 ? true : undefined));

      child.kill('SIGINT');
      const res = await done;
      expect(res.code).toBe(0);
      expect(res.err).toBe('');
      expect(res.out).toMatch(/unregistered demo\.keep\/k1 on /);
      await until('k1 gone', async () => ((await shortLookup('demo.keep')) ?? []).length === 0 ? true : undefined);
    }, 40_000);

    it('refuses a bad --interval with exit 2', async () => {
      const res = await run('instance', 'register', '--service', 's', '--instance-id', 'i', '--instance-url', 'http://x', '--keepalive', '--interval', '10');
      expect(res.code).toBe(2);
      expect(res.err).toMatch(/^artemis: --interval must be 100\.\.3600000 ms, got 10\n/);
    });
  });

  it('the node reports artemis_build_info with the package version', async () => {
    const text = await (await fetch(`${n.url}/metrics`)).text();
    expect(text).toContain(`artemis_build_info{version="${pkg.version}",nodejs="${process.version}"} 1\n`);
  });

  it('bench shows the server event-loop lag from /metrics and no units/s column for single-instance operations', async () => {
    const res = await finish(start(['bench', 'discovery', '--target', n.url, '--duration', '1', '--connections', '2'], {}), 60_000);
    expect(res.code).toBe(0);
    const header = res.out.split('\n').find((l) => l.startsWith('operation'))!;
    expect(header).toMatch(/^operation\s+count\s+ops\/s\s+p50 ms/);
    const lag = res.out.split('\n').filter((l) => /^(before|after)\s/.test(l)).map((l) => Number(l.trim().split(/\s+/).at(-1)));
    expect(lag).toHaveLength(2);
    // prom-client restarts the lag histogram at every scrape, and bench scrapes twice a second: a reading right after one may be 0
    expect(lag.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  }, 60_000);
});

describe('operator status limit', () => {
  let n: RunningNode;
  beforeAll(async () => {
    // machines may read each status endpoint once per window; operators have rateLimit.operator
    n = await startTestNode({ 'rateLimit.status.defaultLimit': 1, 'rateLimit.status.limits': {} });
  });
  afterAll(async () => {
    await n.stop();
  });

  it('`artemis status` a dozen times in a row answers every time while a machine is refused', async () => {
    const runs: Run[] = [];
    for (let i = 0; i < 12; i++) runs.push(await finish(start(['status'], { ARTEMIS_URL: n.url })));
    expect(runs.map((r) => r.code)).toEqual(Array(12).fill(0));
    expect(runs.every((r) => r.err === '' && r.out.length > 0)).toBe(true);
    const machine = async () => ((await (await fetch(`${n.url}/api/status/leases.json`)).json()) as { responseStatus: { errorCode: string } }).responseStatus.errorCode;
    expect([await machine(), await machine()]).toEqual(['success', 'rate-limited']);
  }, 60_000);
});

describe('operator traffic', () => {
  let server: Server;
  let url = '';
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ properties: {}, responseStatus: { status: 'success', errorCode: 'success', message: '' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('marks every call x-artemis-caller: operator', async () => {
    const res = await finish(start(['config', 'show', '--url', url]));
    expect(res).toMatchObject({ code: 0, err: '' });
    expect(seen.length).toBeGreaterThan(0);
    for (const h of seen) expect(h['x-artemis-caller']).toBe('operator');
  });
});

describe('config convert', () => {
  it('keeps a Java cluster node URL whole and writes the zones of a zone list above cluster.peers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'artemis-convert-'));
    const bare = join(dir, 'bare.properties');
    writeFileSync(bare, 'artemis.service.cluster.nodes=http://127.0.0.1:8080/artemis-service/\n');
    const a = await finish(start(['config', 'convert', bare]));
    expect(a.code).toBe(0);
    expect(a.out).toContain('    - http://127.0.0.1:8080/artemis-service/\n');
    expect(a.out).not.toMatch(/- \/\//);
    const zoned = join(dir, 'zoned.properties');
    writeFileSync(zoned, 'artemis.service.cluster.nodes=sha-z1:http://10.0.0.5:8080/a/,http://10.0.0.6:8080/a/;sha-z2:http://10.0.1.5:8080/a/\n');
    const b = await finish(start(['config', 'convert', zoned, '--json']));
    expect(JSON.parse(b.out).peerZones).toEqual([
      { zoneId: 'sha-z1', urls: ['http://10.0.0.5:8080/a/', 'http://10.0.0.6:8080/a/'] },
      { zoneId: 'sha-z2', urls: ['http://10.0.1.5:8080/a/'] },
    ]);
  });
});

describe('shell completion', () => {
  const script = (shell: string) => spawnSync(process.execPath, [BIN, 'completion', shell], { encoding: 'utf8' }).stdout;

  it('bash: commands, subcommands, flags after a URL, bench scenarios', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'artemis-completion-')), 'artemis.bash');
    writeFileSync(file, script('bash'));
    const lines = ['artemis se', 'artemis service ', 'artemis --url http://127.0.0.1:8080 service g', 'artemis instance register --ke', 'artemis bench he', 'artemis completion '];
    const probe = lines.map((l) => `COMP_LINE=${sh(l)}; COMP_POINT=\${#COMP_LINE}; _artemis; echo "\${COMPREPLY[*]}"`).join('\n');
    const res = spawnSync('bash', ['-c', `source ${sh(file)}\n${probe}`], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.stdout.split('\n').slice(0, lines.length)).toEqual(['server service', 'list get', 'get', '--keepalive', 'heartbeat-http heartbeat-ws', 'bash zsh']);
  });

  const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0;
  // zsh is not part of the required toolchain: without it this case is reported as skipped.
  it.runIf(hasZsh)('zsh: registers _artemis with compdef and offers the same candidates', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'artemis-completion-')), '_artemis');
    writeFileSync(file, script('zsh'));
    const res = spawnSync('zsh', ['-f', '-c', `autoload -U compinit; compinit -u -D; source ${sh(file)}; print -r -- $_comps[artemis]; __artemis_candidates '' service; __artemis_candidates --ke instance register | grep -x -- --keepalive`], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('_artemis\nlist\nget\n--keepalive\n');
  });
});

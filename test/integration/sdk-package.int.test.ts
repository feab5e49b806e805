/**
 * The client SDK as a user gets it: `npm pack` of packages/client, `npm install` of the tarball
 * into an empty project (ws is the only package fetched, from the local npm cache when it has
 * it), the README's example run unchanged against a real node of region and zone `default`, and
 * the declarations type-checked without zod or any other server package.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finish } from '../helpers/child.js';
import { startTestNode, type RunningNode } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

const root = join(import.meta.dirname, '../..');
const pkgDir = join(root, 'packages/client');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quietNpm = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

/** The first ```js block after the README's "## Example" heading. */
function readmeExample(readme: string): string {
  const section = readme.slice(readme.indexOf('\n## Example\n'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  if (m === null) throw new Error('README has no js example under "## Example"');
  return m[1]!;
}

function run(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, { cwd, env: quietNpm, encoding: 'utf8', timeout: 240_000 });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${String(res.status)}):\n${res.stdout}\n${res.stderr}`);
  return res;
}

describe('the packed client SDK', () => {
  let work = '';
  let project = '';
  let tarball = '';
  let installMs = 0;
  let installLog = '';
  let node: RunningNode;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'artemis-sdk-'));
    const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], pkgDir).stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, packed[0]!.filename);
    project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sdk-user', version: '1.0.0', private: true, type: 'module' }));
    const started = performance.now();
    installLog = run(npm, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], project).stderr;
    installMs = performance.now() - started;
    // measured here, reported (no timing assertion): the acceptance budget is 20 s on the build machine
    console.log(`sdk tarball install: ${(installMs / 1000).toFixed(1)} s`);
    node = await startTestNode({ regionId: 'default', zoneId: 'default' });
  }, 300_000);

  afterAll(async () => {
    await node?.stop();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('packs compiled JavaScript, declarations and the README, and no sources', () => {
    const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(listing).toContain('package/dist/client/index.js');
    expect(listing).toContain('package/dist/client/index.d.ts');
    expect(listing).toContain('package/dist/core/wire/management.d.ts');
    expect(listing).toContain('package/README.md');
    expect(listing.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    // the management schemas' run-time part (zod) stays out
    expect(listing).not.toContain('package/dist/core/wire/management.js');
  });

  it('installs with ws as its only dependency and nothing to build', () => {
    const modules = readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.')).sort();
    expect(modules).toEqual(['@artemis-registry', 'ws']);
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    expect(Object.keys(lock.packages).sort()).toEqual(['', 'node_modules/@artemis-registry/client', 'node_modules/ws']);
    expect(Object.values(lock.packages).some((p) => p.hasInstallScript === true)).toBe(false);
    // no install script in the packed manifest either, so npm has nothing to warn about
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@artemis-registry/client/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(manifest.scripts ?? {}).filter((s) => /^(pre|post)?install$|^prepare$/.test(s))).toEqual([]);
    expect(installLog).not.toMatch(/install.scripts/i);
    expect(existsSync(join(project, 'node_modules/@artemis-registry/client/dist/client/index.js'))).toBe(true);
    expect(installMs).toBeGreaterThan(0);
  });

  it('runs the README example unchanged against a node of region and zone default', async () => {
    const example = readmeExample(readFileSync(join(pkgDir, 'README.md'), 'utf8'));
    writeFileSync(join(project, 'example.mjs'), example);
    const child = spawn(process.execPath, ['example.mjs'], { cwd: project, env: { ...process.env, ARTEMIS_URL: node.url } });
    const { code, out, err } = await finish(child);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('register order-1,order-2');
    expect(lines).toContain('instances order-1,order-2');
    expect(lines.find((l) => l.startsWith('picked '))).toMatch(/^picked order-[12]$/);
    expect(lines).toContain('left order-1');
    expect(lines.at(-1)).toBe('closed');
    // close() unregistered order-1: the node has no instance of the service left
    const listed = async () => {
      const res = await fetch(`${node.url}/api/discovery/service.json?serviceId=demo.order&regionId=default&zoneId=default`);
      return ((await res.json()) as { service: { instances: unknown[] | null } }).service.instances ?? [];
    };
    await waitFor(async () => (await listed()).length === 0, { message: 'order-1 to be unregistered by close()', intervalMs: 25 });
  }, 30_000);

  it('type-checks a TypeScript user of the package without zod or any server package', () => {
    writeFileSync(
      join(project, 'use.ts'),
      [
        "import { ArtemisClientError, DiscoveryClient, ManagementClient, RegistryClient, type InstanceKey, type ServiceChangeEvent } from '@artemis-registry/client';",
        "const registry = new RegistryClient({ urls: 'http://127.0.0.1:8080', heartbeatIntervalMs: 1000 });",
        "const key: InstanceKey = { regionId: 'default', serviceId: 's', instanceId: 'i' };",
        "void registry.unregister({ serviceId: key.serviceId, instanceId: key.instanceId });",
        "new DiscoveryClient({ urls: ['http://127.0.0.1:8080'] }).subscribe('s', (e: ServiceChangeEvent) => e.instance?.url);",
        "void new ManagementClient({ urls: 'http://127.0.0.1:8080' }).operateInstance({ instanceKey: key, operation: 'pullout', operatorId: 'me' });",
        "export const isClientError = (e: unknown): boolean => e instanceof ArtemisClientError && e.code === 'timeout';",
        // a wrong field must fail: the declarations are real types, not any
        '// @ts-expect-error port is a number',
        "void registry.register({ serviceId: 's', instanceId: 'i', url: 'http://x', port: 'eighty' });",
        '',
      ].join('\n'),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'use.ts'];
    const res = spawnSync(process.execPath, [tsc, ...args], { cwd: project, encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  }, 60_000);
});

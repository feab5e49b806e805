/**
 * The servers `npm run bench:compare` loads, each in its own process: an Artemis node, a bare
 * node:http server answering captured Artemis bytes, and etcd (when its binary is installed).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = join(import.meta.dirname, '../..');

/** A server under test, in its own process. */
export interface ServerProcess {
  name: string;
  pid: number;
  /** Base URL, without a trailing slash. */
  url: string;
  /** What was started, for the report. */
  description: string;
  stop(): Promise<void>;
}

/** Full path of an executable on PATH, or null. */
export function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const full = join(dir, command);
    try {
      accessSync(full, constants.X_OK);
      if (statSync(full).isFile()) return full;
    } catch {
      // not here
    }
  }
  return null;
}

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** CPU seconds (user + system, every thread) a process has used so far; null where /proc is not readable. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** A free TCP port on 127.0.0.1 (another process may still take it before it is used). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function stopper(child: ChildProcess, cleanup: () => void, graceMs = 15_000): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        cleanup();
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) {
        cleanup();
        resolve();
        return;
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', finish);
      child.kill('SIGTERM');
    });
    return done;
  };
}

/** Reads JSON lines of the child's stdout until one has a numeric `port`; then drains the rest. */
async function portFromStdout(child: ChildProcess, name: string, timeoutMs = 60_000): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let port: number | undefined;
  try {
    for await (const line of lines) {
      try {
        const value = (JSON.parse(line) as { port?: unknown }).port;
        if (typeof value === 'number') {
          port = value;
          break;
        }
      } catch {
        // not a JSON line
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (port === undefined) throw new Error(`${name} exited before listening (exit code ${String(child.exitCode)})`);
  // Keep reading (and dropping) its log so the pipe never fills.
  child.stdout!.on('data', () => undefined);
  child.stdout!.resume();
  return port;
}

export type ArtemisMode = 'built' | 'tsx';

export interface ArtemisStart {
  mode: ArtemisMode;
  /** A checkout with a build of its own (`dist/src/cli/main.js`, made there with `npm run build`): started as it is, never built here. */
  root?: string;
  /** Extra `--set key=value` items. */
  settings: string[];
  /** Directory for a V8 CPU profile of the node (written when it stops). */
  profileDir?: string;
  /** Use the build there is (another node of the same run built it). */
  skipBuild?: boolean;
  /** Extra flags for node itself (before the script), e.g. `--max-old-space-size=2048`. */
  nodeFlags?: string[];
  /** Extra environment variables of the node process. */
  env?: Record<string, string>;
  log: (text: string) => void;
}

/** Builds the sources to dist/ (`npm run build`); false when no runnable build came out. */
function build(log: (text: string) => void): boolean {
  const main = join(ROOT, 'dist/src/cli/main.js');
  const before = existsSync(main) ? statSync(main).mtimeMs : 0;
  const started = Date.now();
  log('building dist/ (tsc -p tsconfig.build.json)...\n');
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) log(`tsc reported problems (exit ${String(r.status)}); using what it emitted:\n${(r.stdout ?? '').split('\n').slice(0, 10).join('\n')}\n`);
  log(`build took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return existsSync(main) && (r.status === 0 || statSync(main).mtimeMs > before);
}

/** Starts `artemis server` as the README does (built JavaScript, or the sources through tsx) on a free port. */
export async function startArtemis(opts: ArtemisStart): Promise<ServerProcess & { mode: ArtemisMode }> {
  let mode = opts.mode;
  const root = opts.root ?? ROOT;
  if (opts.root !== undefined) {
    if (!existsSync(join(root, 'dist/src/cli/main.js'))) throw new Error(`${root}: no dist/src/cli/main.js (run npm run build there)`);
    mode = 'built';
  } else if (mode === 'built' && opts.skipBuild !== true && !build(opts.log)) {
    opts.log('no usable build: starting the sources with tsx instead\n');
    mode = 'tsx';
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'artemis-compare-'));
  const nodeFlags = [...(opts.nodeFlags ?? []), ...(opts.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', opts.profileDir])];
  const entry = mode === 'built' ? [join(root, 'dist/src/cli/main.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
  const args = [...nodeFlags, ...entry, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...opts.settings.flatMap((s) => ['--set', s])];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...opts.env } });
  const stop = stopper(child, () => rmSync(dataDir, { recursive: true, force: true }));
  try {
    const port = await portFromStdout(child, 'artemis server');
    return { name: 'artemis', mode, pid: child.pid!, url: `http://127.0.0.1:${port}`, description: `node ${args.map((a) => (a === dataDir ? '<temp dir>' : a)).map((a) => a.replace(`${ROOT}/`, '')).join(' ')}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Another Artemis node loaded in the same rounds as the first (`--variant name=spec`). */
export interface ArtemisVariant {
  name: string;
  /** A checkout with a build of its own; undefined for this checkout's build. */
  root: string | undefined;
  /** `--set key=value` items: with `root`, the only ones it gets (its build may not know the others). */
  settings: string[];
  /** Flags for node itself (`--node <flag>` items), e.g. `--max-semi-space-size=64`. */
  nodeFlags: string[];
}

const VARIANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/**
 * `name=spec`, where spec is an optional directory (a checkout built there) followed by
 * `--set key=value` and `--node <flag>` items, separated by spaces: `before=/path/to/checkout`,
 * `cidr=--set security.register.allowedCidrs=127.0.0.0/8`, `semi=--node --max-semi-space-size=64`.
 */
export function parseVariant(text: string): ArtemisVariant {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (!VARIANT_NAME.test(name) || ['artemis', 'bare', 'etcd'].includes(name)) throw new Error(`--variant ${text}: the name must be letters, digits, . _ - (not artemis, bare or etcd), followed by =`);
  const words = (eq < 0 ? '' : text.slice(eq + 1)).split(/\s+/).filter(Boolean);
  let root: string | undefined;
  if (words[0] !== undefined && !words[0].startsWith('--')) root = resolve(words.shift()!);
  const settings: string[] = [];
  const nodeFlags: string[] = [];
  while (words.length > 0) {
    const flag = words.shift()!;
    if (flag === '--node') {
      const nodeFlag = words.shift();
      if (nodeFlag === undefined || !nodeFlag.startsWith('--')) throw new Error(`--variant ${text}: --node takes one flag of node, such as --max-semi-space-size=64`);
      nodeFlags.push(nodeFlag);
      continue;
    }
    const item = flag === '--set' ? words.shift() : flag.startsWith('--set=') ? flag.slice(6) : undefined;
    if (item === undefined || item.indexOf('=') <= 0) throw new Error(`--variant ${text}: expected [dir] followed by --set key=value and --node <flag> items, got ${flag}`);
    settings.push(item);
  }
  if (root === undefined && settings.length === 0 && nodeFlags.length === 0) throw new Error(`--variant ${text}: give a directory, --set or --node items, or both`);
  return { name, root, settings, nodeFlags };
}

/** A captured response the bare server repeats. */
export interface CapturedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Starts test/bench/bare-http-server.mjs with plain node, answering `routes` ("METHOD /path" → response). */
export async function startBare(routes: Record<string, CapturedResponse>, workDir: string): Promise<ServerProcess> {
  const file = join(workDir, 'bare-routes.json');
  const json = Object.fromEntries(Object.entries(routes).map(([k, r]) => [k, { status: r.status, headers: r.headers, body: r.body.toString('base64') }]));
  writeFileSync(file, JSON.stringify(json));
  const script = join(ROOT, 'test/bench/bare-http-server.mjs');
  const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = stopper(child, () => undefined, 5_000);
  try {
    const port = await portFromStdout(child, 'bare node:http server', 15_000);
    return { name: 'bare', pid: child.pid!, url: `http://127.0.0.1:${port}`, description: 'node test/bench/bare-http-server.mjs (node:http, captured bytes)', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** etcd could not be used: why. */
export interface Missing {
  missing: string;
}

/** Starts a single-member etcd on two free ports with a temporary data dir; or says why it cannot. */
export async function startEtcd(log: (text: string) => void): Promise<(ServerProcess & { version: string }) | Missing> {
  const bin = onPath('etcd');
  if (bin === null) return { missing: 'no etcd binary on PATH (Debian: apt-get install etcd-server)' };
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0]?.trim() ?? 'etcd';
  const dataDir = mkdtempSync(join(tmpdir(), 'etcd-compare-'));
  const client = await freePort();
  let peer = await freePort();
  while (peer === client) peer = await freePort();
  const clientUrl = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const args = ['--name', 'bench', '--data-dir', dataDir, '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `bench=${peerUrl}`,
    '--initial-cluster-state', 'new', '--logger', 'zap', '--log-level', 'error'];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 4_000) stderr += c.toString();
  });
  const stop = stopper(child, () => rmSync(dataDir, { recursive: true, force: true }), 5_000);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`${clientUrl}/health`);
      if (res.ok && ((await res.json()) as { health?: string }).health === 'true') {
        return { name: 'etcd', pid: child.pid!, url: clientUrl, version, description: `${version}, single member, data dir on ${tmpdir()} (fsync on)`, stop };
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  log(`etcd did not become healthy:\n${stderr}\n`);
  return { missing: `etcd (${version}) did not become healthy within 20 s${stderr ? `: ${stderr.split('\n')[0]}` : ''}` };
}

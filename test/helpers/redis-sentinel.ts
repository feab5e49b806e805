import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from './cluster.js';
import { testRedisClient } from './redis.js';
import { waitFor } from './wait.js';

/** One redis-server or sentinel child of a test. */
export interface RedisChild {
  port: number;
  child: ChildProcess;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
}

/** A primary, its replicas and three sentinels, on spare loopback ports, in `dir`. */
export interface SentinelSet {
  masterName: string;
  primary: RedisChild;
  replicas: RedisChild[];
  sentinels: RedisChild[];
  /** The store URL: redis+sentinel://127.0.0.1:p1,…/<masterName>. */
  url: string;
  /** The address the sentinels name as primary now. */
  currentPrimary(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
}

function launch(args: string[], port: number, dir: string): RedisChild {
  const child = spawn('redis-server', args, { stdio: 'ignore', cwd: dir });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    child,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function ping(port: number): Promise<boolean> {
  const c = testRedisClient(`redis://127.0.0.1:${port}`);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

async function command(port: number, ...args: string[]): Promise<unknown> {
  const c = testRedisClient(`redis://127.0.0.1:${port}`);
  try {
    await c.connect();
    return await c.call(args[0] as string, ...args.slice(1));
  } finally {
    c.disconnect();
  }
}

/**
 * Starts `redis-server` as primary and `replicaCount` replicas (in memory only), then three
 * `redis-server --sentinel` watching the primary with quorum 2 and `downAfterMs`; resolves once
 * every replica is in sync and every sentinel knows every replica and the other sentinels.
 */
export async function startSentinelSet(dir: string, { replicaCount = 2, downAfterMs = 1_000, masterName = 'artemis' } = {}): Promise<SentinelSet> {
  const ports = await freePorts(1 + replicaCount + 3);
  const [primaryPort, ...rest] = ports as [number, ...number[]];
  const children: RedisChild[] = [];
  const server = (port: number, extra: string[]) => {
    const sub = join(dir, `redis-${port}`);
    mkdirSync(sub, { recursive: true });
    // No AOF: what this set shows is that a write WAIT confirmed on a replica outlives the primary.
    // A full resync starts at once (the default waits 5 s for more replicas to share it).
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'no', '--save', '', '--repl-diskless-sync-delay', '0', '--dir', sub, '--logfile', join(sub, 'redis.log'), ...extra];
    const c = launch(args, port, dir);
    children.push(c);
    return c;
  };
  const primary = server(primaryPort, []);
  const replicas = rest.slice(0, replicaCount).map((p) => server(p, ['--replicaof', '127.0.0.1', String(primaryPort)]));
  await waitFor(async () => (await Promise.all([primary, ...replicas].map((c) => ping(c.port)))).every(Boolean) || undefined, { message: 'redis servers', timeoutMs: 10_000, intervalMs: 50 });
  await waitFor(async () => new RegExp(`connected_slaves:${replicaCount}\\b`).test(String(await command(primaryPort, 'INFO', 'replication'))) || undefined, {
    message: 'replicas in sync',
    timeoutMs: 10_000,
    intervalMs: 50,
  });
  const sentinels = rest.slice(replicaCount).map((port) => {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `logfile ${join(dir, `sentinel-${port}.log`)}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
        `sentinel failover-timeout ${masterName} 2000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    const c = launch([conf, '--sentinel'], port, dir);
    children.push(c);
    return c;
  });
  await waitFor(
    async () => {
      for (const s of sentinels) {
        const known = (await command(s.port, 'SENTINEL', 'REPLICAS', masterName).catch(() => [])) as unknown[];
        const master = (await command(s.port, 'SENTINEL', 'MASTER', masterName).catch(() => [])) as string[];
        const others = Number(master[master.indexOf('num-other-sentinels') + 1] ?? 0);
        if (known.length < replicaCount || others < sentinels.length - 1) return undefined;
      }
      return true;
    },
    { message: 'sentinels to know every replica and each other', timeoutMs: 15_000, intervalMs: 100 },
  );
  return {
    masterName,
    primary,
    replicas,
    sentinels,
    url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${masterName}`,
    currentPrimary: async () => {
      const [host, port] = (await command(sentinels[0]!.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as [string, string];
      return { host, port: Number(port) };
    },
    stop: async () => {
      await Promise.all(children.map((c) => c.kill()));
    },
  };
}

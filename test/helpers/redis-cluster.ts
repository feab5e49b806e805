import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from './cluster.js';
import { testRedisClient } from './redis.js';
import { waitFor } from './wait.js';

/** A Redis Cluster of real redis-server processes (masters only) on spare loopback ports. */
export interface RedisClusterSet {
  ports: number[];
  /** redis+cluster://127.0.0.1:p1,127.0.0.1:p2,… */
  url: string;
  stop(): Promise<void>;
}

async function clusterOk(port: number): Promise<boolean> {
  const c = testRedisClient(`redis://127.0.0.1:${port}`);
  try {
    await c.connect();
    return /cluster_state:ok/.test(String(await c.call('CLUSTER', 'INFO')));
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** Starts `masters` cluster-enabled redis-servers in `dir`, joins them with `redis-cli --cluster create`, waits for cluster_state:ok. */
export async function startRedisCluster(dir: string, masters = 3): Promise<RedisClusterSet> {
  const ports = await freePorts(masters);
  const children = ports.map((port) => {
    const sub = join(dir, `cluster-${port}`);
    mkdirSync(sub, { recursive: true });
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(sub, 'nodes.conf'), '--appendonly', 'no', '--save', '', '--dir', sub, '--logfile', join(sub, 'redis.log')];
    return spawn('redis-server', args, { stdio: 'ignore' });
  });
  const stop = async () => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }),
    );
  };
  try {
    await waitFor(
      async () => {
        for (const port of ports) {
          const c = testRedisClient(`redis://127.0.0.1:${port}`);
          try {
            await c.connect();
            await c.ping();
          } catch {
            return undefined;
          } finally {
            c.disconnect();
          }
        }
        return true;
      },
      { message: 'cluster-enabled redis servers', timeoutMs: 10_000, intervalMs: 50 },
    );
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 20_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await waitFor(async () => (await Promise.all(ports.map(clusterOk))).every(Boolean) || undefined, { message: 'cluster_state:ok', timeoutMs: 15_000, intervalMs: 100 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, stop };
}

import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type Config } from '../../src/config/schema.js';
import { root, read, cliMain, serverConfig, lazy, expectSeedsAreAllNodes, type Obj } from './deploy-helpers.js';

/** cluster/: the commands start.sh runs, through the node's own config loader. */


// ---------------------------------------------------------------------------------------------
// cluster/

function dryRun(args: string[], extraEnv: Record<string, string> = {}): string[][] {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLUSTER_') && !k.startsWith('ARTEMIS_'))), ...extraEnv };
  const res = spawnSync('bash', [join(root, 'cluster/start.sh'), '--dry-run', ...args], { encoding: 'utf8', env, timeout: 20_000 });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const words = line.split(' ');
      expect(words.slice(0, 2)).toEqual(['node', cliMain]);
      return words.slice(2);
    });
}

describe('cluster/', () => {
  const files = [1, 2, 3].map((i) => `cluster/node-${i}.yaml`);
  const fileConfigs = lazy(() => files.map((f) => serverConfig(['server', '--config', f], { file: parseYaml(read(f)) as Obj })));

  it('has a config file per node: 127.0.0.1, ports 8081-8083, every node as seed, own data directories', () => {
    expect(fileConfigs().map((c) => c.port)).toEqual([8081, 8082, 8083]);
    for (const c of fileConfigs()) {
      expect(c.host).toBe('127.0.0.1');
      expect(c.nodeUrl).toBe(`http://127.0.0.1:${c.port}`);
      expect(c.dataDir.startsWith('cluster/data/')).toBe(true);
    }
    expectSeedsAreAllNodes(fileConfigs());
    expect(new Set(fileConfigs().map((c) => c.dataDir)).size).toBe(3);
    expect(new Set(fileConfigs().map((c) => c.nodeId)).size).toBe(3);
  });

  it('start.sh starts the same three nodes as the config files', () => {
    const configs = dryRun([]).map((args) => serverConfig(args));
    const pick = (c: Config) => ({ host: c.host, port: c.port, nodeId: c.nodeId, nodeUrl: c.nodeUrl, seeds: c.cluster.seeds, keyFile: c.cluster.keyFile, dataDir: c.dataDir, store: c.store.url, minReplicas: c.store.minReplicas });
    expect(configs.map(pick)).toEqual(fileConfigs().map(pick));
  });

  it('start.sh gives every node one highly available store by default (three sentinels, a write acknowledged by a replica), one Redis, the one ARTEMIS_STORE_URL names, or node-local stores on request', () => {
    const stores = (env: Record<string, string> = {}) => dryRun([], env).map((args) => serverConfig(args, { env })).map((c) => [c.store.url, c.store.nodeLocal, c.store.minReplicas]);
    expect(stores()).toEqual(Array(3).fill(['redis+sentinel://127.0.0.1:26380,127.0.0.1:26381,127.0.0.1:26382/artemis/0', false, 1]));
    expect(stores({ CLUSTER_SENTINEL_PORT: '27000' })).toEqual(Array(3).fill(['redis+sentinel://127.0.0.1:27000,127.0.0.1:27001,127.0.0.1:27002/artemis/0', false, 1]));
    expect(stores({ CLUSTER_STORE: 'redis' })).toEqual(Array(3).fill(['redis://127.0.0.1:6380/0', false, 0]));
    expect(stores({ CLUSTER_STORE: 'redis', CLUSTER_REDIS_PORT: '7000' })).toEqual(Array(3).fill(['redis://127.0.0.1:7000/0', false, 0]));
    const sentinel = 'redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/artemis';
    expect(stores({ ARTEMIS_STORE_URL: sentinel })).toEqual(Array(3).fill([sentinel, false, 0]));
    expect(stores({ CLUSTER_STORE: 'node-local' })).toEqual(Array(3).fill(['', true, 0]));
    expect(spawnSync('bash', [join(root, 'cluster/start.sh'), '--dry-run'], { encoding: 'utf8', env: { ...process.env, CLUSTER_STORE: 'raft' } }).status).toBe(2);
    // the sentinels monitor the name the URL gives, the servers keep every write on disk; stop.sh stops them
    const store = read('cluster/store.sh');
    expect(store).toContain('STORE_MASTER_NAME=artemis');
    expect(store).toContain('sentinel monitor $STORE_MASTER_NAME $host $primary 2');
    expect(store).toContain('--appendonly yes --appendfsync always');
    expect(read('cluster/stop.sh')).toContain('stop_store');
  });

  it('start.sh starts N nodes on consecutive ports and passes extra flags to each', () => {
    const configs = dryRun(['5', '--', '--log-level', 'warn', '--set', 'registry.lease.ttlMs=30000']).map((args) => serverConfig(args));
    expect(configs.map((c) => c.port)).toEqual([8081, 8082, 8083, 8084, 8085]);
    expectSeedsAreAllNodes(configs);
    for (const c of configs) expect([c.logLevel, c.registry.lease.ttlMs]).toEqual(['warn', 30_000]);
    expect(spawnSync('bash', [join(root, 'cluster/start.sh'), '--dry-run', 'three'], { encoding: 'utf8' }).status).toBe(2);
  });

  it.each(['cluster/start.sh', 'cluster/stop.sh'])('%s is strict, executable bash that parses', (rel) => {
    const text = read(rel);
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(statSync(join(root, rel)).mode & 0o111).toBe(0o111);
    const res = spawnSync('bash', ['-n', join(root, rel)], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('keeps node data and run files out of git, and documents how to watch the cluster', () => {
    const ignored = read('.gitignore').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['cluster/data/', 'cluster/run/']));
    const readme = read('cluster/README.md');
    for (const s of ['cluster/start.sh', 'cluster/stop.sh', '/api/status/cluster.json', '/api/cluster/nodes.json', 'cluster status', 'artemis_replication'])
      expect(readme).toContain(s);
  });
});

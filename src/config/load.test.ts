import { describe, expect, it } from 'vitest';
import { configLeaves, envNameOf } from './leaves.js';
import { loadConfig, readConfigFile } from './load.js';
import { tempConfigDir } from '../../test/helpers/config-files.js';

const { writeTemp } = tempConfigDir();

/** loadConfig: defaults, precedence of the sources, environment variable names, the cluster key and TLS. */

describe('loadConfig: defaults', () => {
  it('gives the schema defaults, all from "defaults", without warnings', () => {
    const { config, origins, warnings } = loadConfig();
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.contextPath).toBe('');
    expect(config.registry.lease).toEqual({ ttlMs: 20_000, sweepIntervalMs: 1_000 });
    expect(config.registry.legacyLease.ttlMs).toBe(90_000);
    expect(config.rateLimit.windowMs).toBe(10_000);
    expect(config.rateLimit.status.limits).toEqual({ 'get-leases': 10 });
    expect(config.rateLimit.status.defaultLimit).toBe(30);
    expect(config.rateLimit.perClient.enabled).toBe(false);
    expect(config.limits.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(warnings).toEqual([]);
    expect(origins.size).toBe(configLeaves.length);
    expect(new Set(origins.values())).toEqual(new Set(['defaults']));
  });
});

describe('loadConfig: precedence defaults < file < env < flags', () => {
  const yamlText = [
    'port: 1111',
    'regionId: FILE-REGION',
    'zoneId: file-zone',
    'registry:',
    '  lease:',
    '    ttlMs: 5000',
    '    sweepIntervalMs: 250',
    'rateLimit:',
    '  status:',
    '    limits:',
    '      get-leases: 3',
    '',
  ].join('\n');

  it('reads a YAML file', () => {
    const file = readConfigFile(writeTemp('a.yaml', yamlText));
    const { config, origins } = loadConfig({ file });
    expect(config.port).toBe(1111);
    expect(config.regionId).toBe('FILE-REGION');
    expect(config.registry.lease).toEqual({ ttlMs: 5_000, sweepIntervalMs: 250 });
    // a file record replaces the default record
    expect(config.rateLimit.status.limits).toEqual({ 'get-leases': 3 });
    expect(origins.get('port')).toBe('file');
    expect(origins.get('registry.lease.ttlMs')).toBe('file');
    expect(origins.get('rateLimit.status.limits')).toBe('file');
    expect(origins.get('registry.legacyLease.ttlMs')).toBe('defaults');
    expect(config.registry.legacyLease.ttlMs).toBe(90_000);
  });

  it('reads a JSON file', () => {
    const file = readConfigFile(
      writeTemp('b.json', JSON.stringify({ port: 1212, registry: { allowFromOtherZone: false }, limits: { maxFieldLength: 64 } })),
    );
    const { config, origins } = loadConfig({ file });
    expect(config.port).toBe(1212);
    expect(config.registry.allowFromOtherZone).toBe(false);
    expect(config.limits.maxFieldLength).toBe(64);
    expect(config.limits.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(origins.get('limits.maxFieldLength')).toBe('file');
    expect(origins.get('limits.maxBodyBytes')).toBe('defaults');
  });

  it('env beats the file, flags beat env; untouched keys keep the lower source', () => {
    const file = readConfigFile(writeTemp('c.yaml', yamlText));
    const env = { ARTEMIS_PORT: '2222', ARTEMIS_REGISTRY_LEASE_TTL_MS: '6000', ARTEMIS_ZONE_ID: 'env-zone' };
    const fileAndEnv = loadConfig({ file, env });
    expect(fileAndEnv.config.port).toBe(2222);
    expect(fileAndEnv.config.registry.lease.ttlMs).toBe(6_000);
    expect(fileAndEnv.config.registry.lease.sweepIntervalMs).toBe(250);
    expect(fileAndEnv.config.zoneId).toBe('env-zone');
    expect(fileAndEnv.config.regionId).toBe('FILE-REGION');

    const all = loadConfig({ file, env, flags: { port: '3333', 'registry.lease.ttlMs': 7_000 } });
    expect(all.config.port).toBe(3333);
    expect(all.config.registry.lease.ttlMs).toBe(7_000);
    expect(all.config.registry.lease.sweepIntervalMs).toBe(250);
    expect(all.config.zoneId).toBe('env-zone');
    expect(all.config.regionId).toBe('FILE-REGION');
    expect(all.config.appId).toBe('artemis');
    expect(Object.fromEntries(['port', 'registry.lease.ttlMs', 'registry.lease.sweepIntervalMs', 'zoneId', 'regionId', 'appId'].map((k) => [k, all.origins.get(k)]))).toEqual({
      port: 'flags',
      'registry.lease.ttlMs': 'flags',
      'registry.lease.sweepIntervalMs': 'file',
      zoneId: 'env',
      regionId: 'file',
      appId: 'defaults',
    });
  });

  it('an env record replaces the file record; a flag record replaces both', () => {
    const file = readConfigFile(writeTemp('d.yaml', yamlText));
    const env = { ARTEMIS_RATE_LIMIT_STATUS_LIMITS: 'get-config:7, get-leases:5' };
    expect(loadConfig({ file, env }).config.rateLimit.status.limits).toEqual({ 'get-config': 7, 'get-leases': 5 });
    expect(loadConfig({ file, env, flags: { 'rateLimit.status.limits': { 'get-cluster': 9 } } }).config.rateLimit.status.limits).toEqual({
      'get-cluster': 9,
    });
  });
});

describe('loadConfig: environment variable names', () => {
  it('derives ARTEMIS_* names in upper snake case from the dotted path', () => {
    expect(envNameOf(['registry', 'lease', 'ttlMs'])).toBe('ARTEMIS_REGISTRY_LEASE_TTL_MS');
    expect(envNameOf(['rateLimit', 'perClient', 'maxTrackedClients'])).toBe('ARTEMIS_RATE_LIMIT_PER_CLIENT_MAX_TRACKED_CLIENTS');
    expect(envNameOf(['port'])).toBe('ARTEMIS_PORT');
    const names = configLeaves.map((l) => l.envName);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^ARTEMIS_[A-Z0-9_]+$/);
  });

  it('reads numbers, booleans, strings and records from env, trimming numbers', () => {
    const { config, origins } = loadConfig({
      env: {
        ARTEMIS_REGISTRY_LEASE_TTL_MS: ' 1500 ',
        ARTEMIS_REGISTRY_ALLOW_FROM_OTHER_ZONE: 'FALSE',
        ARTEMIS_RATE_LIMIT_PER_CLIENT_ENABLED: 'true',
        ARTEMIS_RATE_LIMIT_PER_CLIENT_MAX_TRACKED_CLIENTS: '42',
        ARTEMIS_RATE_LIMIT_REGISTRY_LIMITS: 'register:5,heartbeat:7',
        ARTEMIS_CONTEXT_PATH: '/artemis-web',
        ARTEMIS_LIMITS_MAX_BODY_BYTES: '2048',
        PATH: '/usr/bin',
      },
    });
    expect(config.registry.lease.ttlMs).toBe(1_500);
    expect(config.registry.allowFromOtherZone).toBe(false);
    expect(config.rateLimit.perClient).toEqual({ enabled: true, limit: 20_000, maxTrackedClients: 42 });
    expect(config.rateLimit.registry.limits).toEqual({ register: 5, heartbeat: 7 });
    expect(config.contextPath).toBe('/artemis-web');
    expect(config.limits.maxBodyBytes).toBe(2_048);
    expect(origins.get('rateLimit.perClient.maxTrackedClients')).toBe('env');
  });

  it('every leaf can be set through its environment variable name', () => {
    const ENUM_SAMPLES: Record<string, string> = { logLevel: 'warn', 'log.format': 'pretty' };
    // Numbers get a value inside their range, found from the default; others a typed sample.
    const defaults = loadConfig().config as unknown as Record<string, unknown>;
    const env: Record<string, string> = {};
    for (const leaf of configLeaves) {
      let cur: unknown = defaults;
      for (const seg of leaf.path) cur = (cur as Record<string, unknown>)[seg];
      if (leaf.kind === 'number') env[leaf.envName] = String(cur);
      else if (leaf.kind === 'boolean') env[leaf.envName] = String(!(cur as boolean));
      else if (leaf.kind === 'record') env[leaf.envName] = 'x:5';
      else if (typeof cur === 'string') env[leaf.envName] = ENUM_SAMPLES[leaf.path.join('.')] ?? `v-${leaf.envName.toLowerCase()}`;
      else if (Array.isArray(cur)) env[leaf.envName] = '10.0.0.1,10.0.0.2';
    }
    // Cluster keys have a least length, and a key excludes a key file.
    Object.assign(env, { ARTEMIS_CLUSTER_KEY: 'k'.repeat(32), ARTEMIS_CLUSTER_KEY_FILE: '', ARTEMIS_CLUSTER_PREVIOUS_KEYS: `${'a'.repeat(32)},${'b'.repeat(32)}` });
    const { origins, warnings } = loadConfig({ env });
    expect(warnings).toEqual([]);
    for (const leaf of configLeaves) expect(origins.get(leaf.path.join('.')), leaf.envName).toBe('env');
  });
});

describe('loadConfig: the cluster key', () => {
  const key = 'k'.repeat(32);
  const load = (flags: Record<string, unknown>) => () => loadConfig({ flags });

  it('is required once the node has seeds or static peers, unless cluster.insecure is set', () => {
    expect(load({})).not.toThrow();
    for (const peers of [{ 'cluster.seeds': 'http://10.0.0.2:8080' }, { 'cluster.seeds': 'dns://artemis-headless:8080' }, { 'cluster.peers': 'http://10.0.0.3:8080' }]) {
      expect(load(peers)).toThrow(/cluster\.key: a node with cluster\.seeds or cluster\.peers needs a cluster key/);
      expect(load({ ...peers, 'cluster.key': key })).not.toThrow();
      expect(load({ ...peers, 'cluster.keyFile': '/run/secrets/artemis-key' })).not.toThrow();
      expect(load({ ...peers, 'cluster.insecure': true })).not.toThrow();
    }
  });

  it('needs 32 characters, and one of key and keyFile', () => {
    expect(load({ 'cluster.key': 'short' })).toThrow(/at least 32 characters/);
    expect(load({ 'cluster.previousKeys': 'short' })).toThrow(/cluster\.previousKeys/);
    expect(load({ 'cluster.key': key, 'cluster.keyFile': '/k' })).toThrow(/not both/);
  });
});

describe('loadConfig: TLS', () => {
  const load = (flags: Record<string, unknown>) => () => loadConfig({ flags });

  it('takes certificate and key together, and mutual TLS only with a CA', () => {
    expect(load({ 'tls.certFile': '/c.pem' })).toThrow(/set tls\.certFile and tls\.keyFile together/);
    expect(load({ 'tls.certFile': '/c.pem', 'tls.keyFile': '/k.pem', 'tls.mutual': true })).toThrow(/mutual TLS needs/);
    expect(load({ 'tls.certFile': '/c.pem', 'tls.keyFile': '/k.pem', 'tls.caFile': '/ca.pem', 'tls.mutual': true })).not.toThrow();
  });

  it('advertises https:// with a certificate', async () => {
    const { advertisedUrl } = await import('./load.js');
    expect(advertisedUrl(loadConfig({ flags: { host: '10.0.0.1', 'tls.certFile': '/c.pem', 'tls.keyFile': '/k.pem' } }).config, 8443)).toBe('https://10.0.0.1:8443');
    expect(advertisedUrl(loadConfig({ flags: { host: '10.0.0.1' } }).config, 8080)).toBe('http://10.0.0.1:8080');
  });
});

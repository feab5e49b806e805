import { readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtemisClientError, DiscoveryClient, ManagementClient, RegistryClient, type ServiceChangeEvent } from '../../src/client/index.js';
import { createNode, type ArtemisNode } from '../../src/app.js';
import { runCli as cli } from '../helpers/child.js';
import { freePorts } from '../helpers/cluster.js';
import { TEST_ADMIN_TOKEN, testConfig } from '../helpers/node.js';
import { testCa, type TestCa } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The SDK and the CLI talk to a node served over HTTPS/WSS whose certificate comes from a CA
 * of their own: trusted with the `caFile`/`ca` option or `--ca-file`/ARTEMIS_CA_FILE, refused
 * with a message that names the option without it (or with another CA).
 */

const ZONE = { regionId: 'SHA', zoneId: 'sha-z1' };
const FAST = { ...ZONE, backoff: { initialMs: 100, maxMs: 400 }, requestTimeoutMs: 2_000, retryDelayMs: 20, retryAttempts: 2 };

const ids = (s: { instances: ReadonlyArray<{ instanceId: string | null }> | null } | undefined) => (s?.instances ?? []).map((i) => i.instanceId).sort();

describe('SDK and CLI against a node served over TLS', () => {
  let ca: TestCa;
  let other: TestCa;
  let node: ArtemisNode;
  let url: string;
  const closing: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    ca = testCa();
    other = testCa('another-ca');
    const cert = ca.issue('node');
    const [port] = await freePorts(1);
    url = `https://127.0.0.1:${port}`;
    node = createNode(
      testConfig({ port, nodeUrl: url, 'tls.certFile': cert.certFile, 'tls.keyFile': cert.keyFile, 'registry.lease.ttlMs': 1_000, 'registry.lease.sweepIntervalMs': 50 }),
    );
    await node.start();
  });
  afterAll(async () => {
    for (const c of closing.reverse()) await c().catch(() => undefined);
    await node.stop();
    for (const dir of [ca.dir, other.dir]) rmSync(dir, { recursive: true, force: true });
  });

  it('registers, heartbeats over WSS past the lease, discovers with pushes and manages, trusting caFile', async () => {
    const registry = new RegistryClient({ urls: url, caFile: ca.caFile, ...FAST, heartbeatIntervalMs: 200 });
    const discovery = new DiscoveryClient({ urls: url, ca: readFileSync(ca.caFile), ...FAST });
    const management = new ManagementClient({ urls: url, caFile: ca.caFile, token: TEST_ADMIN_TOKEN, ...FAST });
    closing.push(() => registry.close(), () => discovery.close(), () => Promise.resolve(management.close()));

    await registry.register({ serviceId: 'tls.sdk', instanceId: 'a', url: 'http://10.0.0.1:80' });
    expect(ids(await discovery.getService('tls.sdk'))).toEqual(['a']);
    const changes: ServiceChangeEvent[] = [];
    discovery.subscribe('tls.sdk', (e) => changes.push(e));
    await registry.register({ serviceId: 'tls.sdk', instanceId: 'b', url: 'http://10.0.0.2:80' });
    await waitFor(() => changes.find((c) => c.changeType === 'new' && c.instance?.instanceId === 'b'), { message: 'the push of b over WSS' });
    // both leases are renewed past their length (1 s) by heartbeats that came over WSS
    const ttlMs = node.config.registry.lease.ttlMs;
    const leases = () => [...(node.repository.service('tls.sdk')?.leases.values() ?? [])];
    await waitFor(() => leases().length === 2 && leases().every((l) => l.renewalTime - l.creationTime > ttlMs), { timeoutMs: 10_000, message: 'both leases renewed past their length' });
    expect(await node.metrics.text()).toMatch(/^artemis_ws_frames_in_total\{channel="registry"\} [1-9]/m);
    expect(ids(await discovery.getService('tls.sdk'))).toEqual(['a', 'b']);

    // an answer above discovery.gzipMinBytes comes gzip-compressed and is decoded
    const many = Array.from({ length: 12 }, (_, i) => ({ serviceId: 'tls.many', instanceId: `m${i}`, url: `http://10.0.1.${i}:80`, metadata: { team: 'tls-clients' } }));
    await registry.register(many);
    const fresh = new DiscoveryClient({ urls: url, caFile: ca.caFile, ...FAST });
    closing.push(() => fresh.close());
    expect(ids(await fresh.getService('tls.many'))).toEqual(many.map((m) => m.instanceId).sort());

    const write = await management.operateInstance({ operation: 'pullout', operationComplete: false, operatorId: 'tls-test', token: '', instanceKey: { serviceId: 'tls.sdk', instanceId: 'a', regionId: 'SHA' } });
    expect(write.responseStatus.status).toBe('success');
  });

  it('leaves no connection open once closed: the keep-alive connections of its own HTTPS agent are closed', async () => {
    const cert = ca.issue('keep-alive');
    const server = createHttpsServer({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) }, (req, res) => {
      req.resume();
      req.on('end', () => res.setHeader('content-type', 'application/json').end(JSON.stringify({ groups: [], responseStatus: { status: 'success' } })));
    });
    // longer than the wait below: only the client can close the idle connection in time
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const connections = () => new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    try {
      const management = new ManagementClient({ urls: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caFile: ca.caFile, ...FAST });
      await management.getAllGroups();
      expect(await connections()).toBe(1);
      management.close();
      await waitFor(async () => (await connections()) === 0, { message: 'the client to close its connection' });
    } finally {
      server.close();
    }
  });

  it('refuses a node whose certificate chains to no CA it trusts, naming the option', async () => {
    for (const options of [{}, { caFile: other.caFile }]) {
      const registry = new RegistryClient({ urls: url, ...FAST, ...options });
      closing.push(() => registry.close());
      const err = await registry.register({ serviceId: 'tls.sdk', instanceId: 'x', url: 'http://10.0.0.9:80' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ArtemisClientError);
      expect((err as ArtemisClientError).code).toBe('untrusted-certificate');
      expect((err as ArtemisClientError).message).toMatch(/^https:\/\/127\.0\.0\.1:\d+: its TLS certificate does not chain to a CA this client trusts \(.+\); .*caFile option\)$/);
    }
    expect(() => new RegistryClient({ urls: url, caFile: join(ca.dir, 'missing.crt') })).toThrow(/caFile: cannot read .*missing\.crt/);
    expect(() => new RegistryClient({ urls: url, caFile: join(ca.dir, 'ext.cnf') })).toThrow(/caFile: .*ext\.cnf holds no PEM certificate/);
  });

  it('CLI: --ca-file and ARTEMIS_CA_FILE trust the CA; without it the call fails with the flag named', async () => {
    const env = { ARTEMIS_URL: url, ARTEMIS_TOKEN: TEST_ADMIN_TOKEN };
    const flag = await cli(['service', 'list', '--json', '--ca-file', ca.caFile], env);
    expect(flag, flag.err).toMatchObject({ code: 0, err: '' });
    expect(JSON.stringify(JSON.parse(flag.out))).toContain('tls.sdk');

    const viaEnv = await cli(['instance', 'pull-in', '--service', 'tls.sdk', '--instance-id', 'a', '--operator', 'tls-cli'], { ...env, ARTEMIS_CA_FILE: ca.caFile });
    expect(viaEnv.code, viaEnv.err).toBe(0);

    for (const extra of [[], ['--ca-file', other.caFile]]) {
      const refused = await cli(['service', 'list', ...extra], env);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/^artemis: https:\/\/127\.0\.0\.1:\d+: its TLS certificate does not chain to a CA this client trusts \(.+\); pass the CA that issued it with --ca-file or ARTEMIS_CA_FILE\n$/);
    }
    const missing = await cli(['service', 'list', '--ca-file', join(ca.dir, 'missing.crt')], env);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^artemis: --ca-file: cannot read .*missing\.crt/);
  });
});

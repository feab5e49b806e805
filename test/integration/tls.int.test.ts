import { copyFileSync, readFileSync } from 'node:fs';
import { connect, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createNode, type ArtemisNode } from '../../src/app.js';
import { PeerAuthFailures } from '../../src/web/peer-auth.js';
import { FAST_CLUSTER, freePorts, peerCall } from '../helpers/cluster.js';
import { instance, testConfig, type ConfigFlags } from '../helpers/node.js';
import { testCa, type TestCa } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

/**
 * TLS from certificate files: HTTPS and WSS on the node's port, peers over TLS verified with
 * tls.caFile, a changed certificate taken without a restart, and mutual TLS for peer calls.
 */

interface TlsNode {
  node: ArtemisNode;
  url: string;
  stop(): Promise<void>;
}

/** `n` nodes with TLS that find each other through seeds; `files(i)` gives node i's TLS settings. */
async function tlsCluster(n: number, files: (i: number) => ConfigFlags): Promise<TlsNode[]> {
  const ports = await freePorts(n);
  const urls = ports.map((p) => `https://127.0.0.1:${p}`);
  return Promise.all(
    ports.map(async (port, i) => {
      const node = createNode(testConfig({ ...FAST_CLUSTER, port, nodeUrl: urls[i], nodeId: `tls-${i}`, 'cluster.seeds': urls.join(','), ...files(i) }));
      await node.start();
      return { node, url: urls[i]!, stop: () => node.stop() };
    }),
  );
}

/** fetch that trusts `ca` and, when given, presents a client certificate. */
function trusting(ca: string, client?: { certFile: string; keyFile: string }) {
  const dispatcher = new Agent({
    connect: { ca: readFileSync(ca), ...(client === undefined ? {} : { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) }) },
  });
  return (url: string, init: RequestInit = {}) => fetch(url, { ...init, dispatcher } as unknown as RequestInit);
}

async function ids(get: ReturnType<typeof trusting>, url: string, serviceId: string): Promise<string[]> {
  const body = (await (await get(`${url}/api/discovery/service.json?serviceId=${serviceId}&regionId=SHA`)).json()) as { service: { instances: Array<{ instanceId: string }> | null } | null };
  return (body.service?.instances ?? []).map((i) => i.instanceId).sort();
}

function register(get: ReturnType<typeof trusting>, url: string, id: string, serviceId: string) {
  return get(`${url}/api/registry/register.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [instance({ instanceId: id, serviceId })] }),
  });
}

/** The certificate a TLS server at `url` presents. */
function servedCertificate(url: string, ca: string): Promise<PeerCertificate> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port), ca: readFileSync(ca), servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('TLS from certificate files', () => {
  let ca: TestCa;
  let nodes: TlsNode[];
  let certs: Array<{ certFile: string; keyFile: string }>;
  let get: ReturnType<typeof trusting>;

  beforeAll(async () => {
    ca = testCa();
    certs = [ca.issue('node-0'), ca.issue('node-1')];
    get = trusting(ca.caFile);
    nodes = await tlsCluster(2, (i) => ({ 'tls.certFile': certs[i]!.certFile, 'tls.keyFile': certs[i]!.keyFile, 'tls.caFile': ca.caFile }));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('serves HTTPS that a client verifies with the CA, and peers replicate over TLS', async () => {
    const [a, b] = nodes as [TlsNode, TlsNode];
    expect(a.url.startsWith('https://')).toBe(true);
    await expect(fetch(`${a.url}/health`)).rejects.toThrow();
    expect(((await (await register(get, a.url, 'tls-1', 'tls.demo')).json()) as { responseStatus: { status: string } }).responseStatus.status).toBe('success');
    await waitFor(async () => (await ids(get, b.url, 'tls.demo')).includes('tls-1'), { message: 'the register to reach B over TLS' });
  });

  it('serves WebSocket over TLS', async () => {
    const ws = new WebSocket(`${nodes[0]!.url.replace('https:', 'wss:')}/ws/discovery/instance-change`, { ca: readFileSync(ca.caFile) });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
  });

  it('takes a changed certificate without a restart', async () => {
    const a = nodes[0]!;
    const before = await servedCertificate(a.url, ca.caFile);
    const next = ca.issue('node-0-renewed');
    copyFileSync(next.keyFile, certs[0]!.keyFile);
    copyFileSync(next.certFile, certs[0]!.certFile);
    await a.node.scheduler.runNow('tls.reload');
    const after = await servedCertificate(a.url, ca.caFile);
    expect(after.fingerprint256).not.toBe(before.fingerprint256);
    expect(after.fingerprint256).toBe(new X509Certificate(readFileSync(next.certFile)).fingerprint256);
    expect((await get(`${a.url}/health`)).status).toBe(200);
  });
});

describe('mutual TLS between peers', () => {
  let ca: TestCa;
  let nodes: TlsNode[];
  let get: ReturnType<typeof trusting>;

  beforeAll(async () => {
    ca = testCa();
    const certs = [ca.issue('node-0'), ca.issue('node-1')];
    get = trusting(ca.caFile);
    nodes = await tlsCluster(2, (i) => ({ 'tls.certFile': certs[i]!.certFile, 'tls.keyFile': certs[i]!.keyFile, 'tls.caFile': ca.caFile, 'tls.mutual': true }));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('peers present their certificates and replicate; clients need none', async () => {
    const [a, b] = nodes as [TlsNode, TlsNode];
    expect(((await (await register(get, a.url, 'm-1', 'mtls.demo')).json()) as { responseStatus: { status: string } }).responseStatus.status).toBe('success');
    await waitFor(async () => (await ids(get, b.url, 'mtls.demo')).includes('m-1'), { message: 'the register to reach B' });
  });

  it('refuses a signed peer call without a client certificate of the CA', async () => {
    const b = nodes[1]!;
    const url = `${b.url}/api/replication/registry/register.json`;
    const body = { instances: [instance({ instanceId: 'no-cert', serviceId: 'mtls.demo' })] };
    const other = testCa('other-ca').issue('intruder');
    for (const send of [get, trusting(ca.caFile, other)]) {
      const call = peerCall(url, body);
      const res = await send(url, { method: 'POST', headers: call.headers, body: call.body });
      expect(res.status, send === get ? 'no certificate' : 'certificate of another CA').toBe(403);
      expect(((await res.json()) as { responseStatus: { message: string } }).responseStatus.message).toBe(PeerAuthFailures.noClientCert);
    }
    expect(await ids(get, b.url, 'mtls.demo')).not.toContain('no-cert');
    const withCert = trusting(ca.caFile, ca.issue('peer-2'));
    const call = peerCall(url, body);
    expect((await withCert(url, { method: 'POST', headers: call.headers, body: call.body })).status).toBe(200);
  });
});

import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, instance, postJson, startTestNode, type ConfigFlags, type RunningNode } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

/** Registry over real HTTP: register / heartbeat / unregister, sweeps, expiry, headers, limits. */

const SUCCESS_TEXT = '{"failedInstances":null,"responseStatus":{"errorCode":"success","message":"","status":"success"}}';
const RATE_LIMITED_TEXT =
  '{"failedInstances":null,"responseStatus":{"errorCode":"rate-limited","message":"Request is rate limited.","status":"fail"}}';

/** Status calls are polled here; lift the status limiter's small default for get-leases. */
const LENIENT_STATUS: ConfigFlags = {
  'rateLimit.status.limits': { 'get-leases': 1_000_000, 'get-legacy-leases': 1_000_000 },
  'rateLimit.status.defaultLimit': 1_000_000,
};

interface LeaseStatus {
  creationTime: string;
  evitionTime: string;
  instance: string;
  renewalTime: string;
  ttl: number;
}

async function leases(base: string, legacy = false): Promise<Record<string, LeaseStatus[]>> {
  const res = await getJson(`${base}/api/status/${legacy ? 'legacy-leases' : 'leases'}.json`);
  expect(res.status).toBe(200);
  expect(res.body.responseStatus.status).toBe('success');
  return res.body.leases as Record<string, LeaseStatus[]>;
}

function leaseNames(map: Record<string, LeaseStatus[]>): string[] {
  return Object.values(map)
    .flat()
    .map((l) => l.instance)
    .sort();
}

/** Value of one sample of a Prometheus counter, labels in any order; 0 when absent. */
async function metricValue(base: string, name: string, labels: Record<string, string>): Promise<number> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends raw bytes over a fresh TCP connection and parses the HTTP answer. The socket is not
 * half-closed before the answer arrives (Node drops the answer to a half-closed request).
 */
function rawHttp(port: number, head: string, body: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (answer: RawAnswer | Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    };
    const tryParse = (final: boolean) => {
      const all = data.toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) {
        if (final) finish(new Error(`incomplete answer: ${JSON.stringify(all)}`));
        return;
      }
      const headers = all.slice(0, split);
      let rest = all.slice(split + 4);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]);
      if (/\r\ntransfer-encoding:\s*chunked/i.test(headers)) {
        let out = '';
        for (;;) {
          const eol = rest.indexOf('\r\n');
          if (eol < 0) return final ? finish(new Error('truncated chunked answer')) : undefined;
          const size = parseInt(rest.slice(0, eol), 16);
          if (size === 0) break;
          if (rest.length < eol + 2 + size + 2) return final ? finish(new Error('truncated chunk')) : undefined;
          out += rest.slice(eol + 2, eol + 2 + size);
          rest = rest.slice(eol + 2 + size + 2);
        }
        rest = out;
      } else {
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headers)?.[1] ?? NaN);
        if (Number.isFinite(length) ? Buffer.byteLength(rest, 'latin1') < length : !final) return;
      }
      finish({ status, headers, body: Buffer.from(rest, 'latin1').toString('utf8') });
    };
    socket.setTimeout(5_000, () => finish(new Error('raw request timed out')));
    socket.on('error', (err) => finish(err));
    socket.on('data', (c: Buffer) => {
      data = Buffer.concat([data, c]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}

function chunked(body: Buffer, pieces = 3): Buffer {
  const out: Buffer[] = [];
  const size = Math.ceil(body.length / pieces);
  for (let i = 0; i < body.length; i += size) {
    const part = body.subarray(i, i + size);
    out.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
  }
  out.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(out);
}

describe('registry over HTTP', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ 'registry.lease.sweepIntervalMs': 50, ...LENIENT_STATUS });
  });
  afterAll(async () => {
    await n?.stop();
  });

  const reg = (op: string) => `${n.url}/api/registry/${op}.json`;

  it('registers two instances (one gzip-compressed), heartbeats them, and lists both leases', async () => {
    const a = instance({ instanceId: 'a:1', serviceId: 'svc.two' });
    const b = instance({ instanceId: 'b:1', serviceId: 'svc.two' });
    const r1 = await postJson(reg('register'), { instances: [a] });
    const r2 = await postJson(reg('register'), { instances: [b] }, { gzip: true });
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r1.text).toBe(SUCCESS_TEXT);
    expect(r2.text).toBe(SUCCESS_TEXT);
    expect(r1.headers.get('content-type')).toBe('application/json;charset=UTF-8');

    const hb = await postJson(reg('heartbeat'), { instances: [a, b] }, { gzip: true });
    expect(hb.text).toBe(SUCCESS_TEXT);

    const map = await leases(n.url);
    expect(map['svc.two']?.map((l) => l.instance).sort()).toEqual(['sha/sha-z1/svc.two/a:1', 'sha/sha-z1/svc.two/b:1']);
    const lease = map['svc.two']![0]!;
    expect(lease.ttl).toBe(20_000);
    expect(lease.creationTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(lease.renewalTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(lease.evitionTime).toMatch(/^19(69|70)-/);
  });

  it('heartbeat of an unknown instance answers partial_fail / data-not-found for that instance only', async () => {
    const known = instance({ instanceId: 'known:1', serviceId: 'svc.hb' });
    const unknown = instance({ instanceId: 'unknown:1', serviceId: 'svc.hb' });
    await postJson(reg('register'), { instances: [known] });
    const res = await postJson(reg('heartbeat'), { instances: [known, unknown] }, { gzip: true });
    expect(res.status).toBe(200);
    expect(res.body.responseStatus).toEqual({ errorCode: 'partial_fail', message: '', status: 'partial_fail' });
    expect(res.body.failedInstances).toEqual([
      {
        errorCode: 'data-not-found',
        errorMessage: 'sha/sha-z1/svc.hb/unknown:1: Instance is not exising! Need re-register.',
        instance: unknown,
      },
    ]);
  });

  it('unregister removes the lease: gone from leases.json, and the next sweep counts it as unregistered', async () => {
    const keep = instance({ instanceId: 'keep:1', serviceId: 'svc.unreg' });
    const drop = instance({ instanceId: 'drop:1', serviceId: 'svc.unreg' });
    const before = await metricValue(n.url, 'artemis_lease_expiries_total', { table: 'instance', reason: 'unregistered' });
    await postJson(reg('register'), { instances: [keep, drop] }, { gzip: true });
    expect(leaseNames(await leases(n.url))).toEqual(expect.arrayContaining(['sha/sha-z1/svc.unreg/drop:1', 'sha/sha-z1/svc.unreg/keep:1']));

    const res = await postJson(reg('unregister'), { instances: [drop] });
    expect(res.text).toBe(SUCCESS_TEXT);
    const after = await waitFor(() => metricValue(n.url, 'artemis_lease_expiries_total', { table: 'instance', reason: 'unregistered' }), {
      until: (v) => v >= before + 1,
      intervalMs: 20,
    });
    expect(after).toBe(before + 1);
    const names = leaseNames(await leases(n.url));
    expect(names).toContain('sha/sha-z1/svc.unreg/keep:1');
    expect(names).not.toContain('sha/sha-z1/svc.unreg/drop:1');
    // removed from the table itself, not only hidden
    expect(n.node.repository.service('svc.unreg')?.leases.size).toBe(1);
    // a heartbeat of the removed instance is data-not-found; the kept one renews
    const hb = await postJson(reg('heartbeat'), { instances: [keep, drop] });
    expect(hb.body.failedInstances.map((f: { instance: { instanceId: string } }) => f.instance.instanceId)).toEqual(['drop:1']);
  });

  it('tolerates duplicated identical headers: Content-Type "application/json, application/json"', async () => {
    const i = instance({ instanceId: 'dup:1', serviceId: 'svc.dup' });
    const res = await postJson(reg('register'), { instances: [i] }, { headers: { 'content-type': 'application/json, application/json' } });
    expect(res.status).toBe(200);
    expect(res.text).toBe(SUCCESS_TEXT);
    expect(leaseNames(await leases(n.url))).toContain('sha/sha-z1/svc.dup/dup:1');
  });

  it('tolerates header lines sent twice over a raw connection (plain and gzip+chunked like Java callers)', async () => {
    const port = Number(new URL(n.url).port);
    const body = Buffer.from(JSON.stringify({ instances: [instance({ instanceId: 'raw:1', serviceId: 'svc.raw' })] }));
    const head =
      'POST /api/registry/register.json HTTP/1.1\r\n' +
      `Host: 127.0.0.1:${port}\r\n` +
      'Content-Type: application/json\r\n' +
      'Content-Type: application/json\r\n' +
      'Accept: application/json\r\n' +
      'Accept: application/json\r\n' +
      `Content-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n';
    const res = await rawHttp(port, head, body);
    expect(res.status).toBe(200);
    expect(res.body).toBe(SUCCESS_TEXT);

    const zipped = gzipSync(JSON.stringify({ instances: [instance({ instanceId: 'raw:2', serviceId: 'svc.raw' })] }));
    const head2 =
      'POST /api/registry/register.json HTTP/1.1\r\n' +
      `Host: 127.0.0.1:${port}\r\n` +
      'Content-Type: application/json\r\n' +
      'Content-Type: application/json\r\n' +
      'Accept: application/json\r\n' +
      'Accept: application/json\r\n' +
      'Content-Encoding: gzip\r\n' +
      'Transfer-Encoding: chunked\r\n' +
      'Accept-Encoding: gzip,deflate\r\n' +
      'Connection: close\r\n\r\n';
    const res2 = await rawHttp(port, head2, chunked(zipped));
    expect(res2.status).toBe(200);
    expect(res2.body).toBe(SUCCESS_TEXT);
    expect(leaseNames(await leases(n.url))).toEqual(expect.arrayContaining(['sha/sha-z1/svc.raw/raw:1', 'sha/sha-z1/svc.raw/raw:2']));
  });

  it('legacy instances (metadata java_registry) are listed in legacy-leases.json, not leases.json', async () => {
    const legacy = instance({ instanceId: 'legacy:1', serviceId: 'svc.legacy', metadata: { java_registry: 'true' } });
    const normal = instance({ instanceId: 'normal:1', serviceId: 'svc.legacy', metadata: { java_registry: '  ' } });
    const res = await postJson(reg('register'), { instances: [legacy, normal] });
    expect(res.text).toBe(SUCCESS_TEXT);
    const normalNames = leaseNames(await leases(n.url));
    const legacyNames = leaseNames(await leases(n.url, true));
    expect(legacyNames).toContain('sha/sha-z1/svc.legacy/legacy:1');
    expect(legacyNames).not.toContain('sha/sha-z1/svc.legacy/normal:1');
    expect(normalNames).toContain('sha/sha-z1/svc.legacy/normal:1');
    expect(normalNames).not.toContain('sha/sha-z1/svc.legacy/legacy:1');
    const legacyLease = (await leases(n.url, true))['svc.legacy']![0]!;
    expect(legacyLease.ttl).toBe(90_000);
    // heartbeat of a legacy instance renews it
    expect((await postJson(reg('heartbeat'), { instances: [legacy] })).text).toBe(SUCCESS_TEXT);
    // re-registering it without the marker moves it to the normal table: one lease in total
    await postJson(reg('register'), { instances: [{ ...legacy, metadata: null }] });
    expect(leaseNames(await leases(n.url, true))).not.toContain('sha/sha-z1/svc.legacy/legacy:1');
    expect(leaseNames(await leases(n.url))).toContain('sha/sha-z1/svc.legacy/legacy:1');
  });

  it('the same instance with ids in other letter case is one lease', async () => {
    await postJson(reg('register'), { instances: [instance({ serviceId: 'Svc.Case', instanceId: 'Host-A:80' })] });
    await postJson(reg('register'), { instances: [instance({ serviceId: 'SVC.CASE', instanceId: 'host-a:80', regionId: 'sha' })] });
    const map = await leases(n.url);
    const matching = Object.entries(map).filter(([k]) => k.toLowerCase() === 'svc.case');
    expect(matching.flatMap(([, v]) => v)).toHaveLength(1);
    expect(matching.flatMap(([, v]) => v)[0]!.instance).toBe('sha/sha-z1/svc.case/host-a:80');
    const hb = await postJson(reg('heartbeat'), { instances: [instance({ serviceId: 'svc.case', instanceId: 'HOST-A:80' })] });
    expect(hb.text).toBe(SUCCESS_TEXT);
    expect(n.node.repository.service('svc.case')?.leases.size).toBe(1);
  });
});

describe('lease expiry over HTTP', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ 'registry.lease.ttlMs': 1_000, 'registry.lease.sweepIntervalMs': 50, ...LENIENT_STATUS });
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('an instance that stops heartbeating expires: gone from leases.json and counted in artemis_lease_expiries_total', async () => {
    const i = instance({ instanceId: 'short:1', serviceId: 'svc.ttl' });
    expect(await metricValue(n.url, 'artemis_lease_expiries_total', { table: 'instance', reason: 'expired' })).toBe(0);
    const registeredAt = Date.now();
    expect((await postJson(`${n.url}/api/registry/register.json`, { instances: [i] })).text).toBe(SUCCESS_TEXT);
    const first = await leases(n.url);
    expect(first['svc.ttl']?.[0]?.ttl).toBe(1_000);

    await waitFor(() => leases(n.url), { until: (m) => m['svc.ttl'] === undefined, intervalMs: 20 });
    // not before the TTL has passed
    expect(Date.now() - registeredAt).toBeGreaterThanOrEqual(1_000);
    const expired = await waitFor(() => metricValue(n.url, 'artemis_lease_expiries_total', { table: 'instance', reason: 'expired' }), {
      until: (v) => v >= 1,
      intervalMs: 20,
    });
    expect(expired).toBe(1);
    const hb = await postJson(`${n.url}/api/registry/heartbeat.json`, { instances: [i] });
    expect(hb.body.failedInstances[0].errorCode).toBe('data-not-found');
  });
});

describe('per-client rate limit over HTTP', () => {
  let n: RunningNode;
  beforeAll(async () => {
    // A long window keeps the test deterministic: nothing leaves the window while it runs.
    n = await startTestNode({ 'rateLimit.perClient.enabled': true, 'rateLimit.perClient.limit': 3, 'rateLimit.windowMs': 300_000 });
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('answers rate-limited once one client address used its budget, across operations', async () => {
    const body = { instances: [instance({ instanceId: 'pc:1' })] };
    expect((await postJson(`${n.url}/api/registry/register.json`, body)).text).toBe(SUCCESS_TEXT);
    expect((await postJson(`${n.url}/api/registry/heartbeat.json`, body)).text).toBe(SUCCESS_TEXT);
    expect((await postJson(`${n.url}/api/registry/heartbeat.json`, body, { gzip: true })).text).toBe(SUCCESS_TEXT);
    const limited = await postJson(`${n.url}/api/registry/unregister.json`, body);
    expect(limited.status).toBe(200);
    expect(limited.text).toBe(RATE_LIMITED_TEXT);
    // the refused unregister did nothing
    expect(n.node.repository.instanceCount).toBe(1);
    const again = await postJson(`${n.url}/api/registry/register.json`, body);
    expect(again.text).toBe(RATE_LIMITED_TEXT);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNode } from '../../src/app.js';
import { request } from '../helpers/http.js';
import { getJson, inProcessNode, postJson, startTestNode, testConfig, type RunningNode } from '../helpers/node.js';
import { SUCCESS_STATUS, SUCCESS_STATUS_TEXT, RATE_LIMITED_STATUS_TEXT, nodeStatusText } from '../helpers/status.js';

/** Up nodes when other zones are not allowed, the status rate limiter and readiness, over real HTTP. */

describe('up nodes when other zones are not allowed', () => {
  let registryOnly: RunningNode;
  let discoveryOnly: RunningNode;
  const NOT_FOUND = '{"nodes":null,"responseStatus":{"errorCode":"data-not-found","message":"No available service nodes.","status":"fail"}}';

  beforeAll(async () => {
    registryOnly = await startTestNode({ 'registry.allowFromOtherZone': false });
    discoveryOnly = await startTestNode({ 'discovery.allowFromOtherZone': false });
  });
  afterAll(async () => {
    await registryOnly?.stop();
    await discoveryOnly?.stop();
  });

  it('registry.allowFromOtherZone=false: a caller of another zone gets data-not-found from up-registry-nodes', async () => {
    const base = registryOnly.url;
    const listed = `{"nodes":[{"url":"${base}","zone":{"metadata":null,"regionId":"SHA","zoneId":"sha-z1"}}],${SUCCESS_STATUS_TEXT}}`;
    expect((await getJson(`${base}/api/cluster/up-registry-nodes.json?regionId=SHA&zoneId=sha-z2`)).text).toBe(NOT_FOUND);
    expect((await postJson(`${base}/api/cluster/up-registry-nodes.json`, { regionId: 'SHA', zoneId: 'sha-z2' })).text).toBe(NOT_FOUND);
    // without a zone the caller is "another zone" as well
    expect((await getJson(`${base}/api/cluster/up-registry-nodes.json`)).text).toBe(NOT_FOUND);
    // exact (case-sensitive) zone match, spec 13.1 item 12
    expect((await getJson(`${base}/api/cluster/up-registry-nodes.json?regionId=SHA&zoneId=SHA-Z1`)).text).toBe(NOT_FOUND);
    expect((await getJson(`${base}/api/cluster/up-registry-nodes.json?regionId=SHA&zoneId=sha-z1`)).text).toBe(listed);
    // discovery still allows other zones on this node
    expect((await getJson(`${base}/api/cluster/up-discovery-nodes.json?regionId=SHA&zoneId=sha-z2`)).text).toBe(listed);
    // node.json reports the flag
    expect((await getJson(`${base}/api/status/node.json`)).text).toBe(`{"nodeStatus":${nodeStatusText(base, false, true)},${SUCCESS_STATUS_TEXT}}`);
  });

  it('discovery.allowFromOtherZone=false: a caller of another zone gets data-not-found from up-discovery-nodes', async () => {
    const base = discoveryOnly.url;
    const listed = `{"nodes":[{"url":"${base}","zone":{"metadata":null,"regionId":"SHA","zoneId":"sha-z1"}}],${SUCCESS_STATUS_TEXT}}`;
    expect((await getJson(`${base}/api/cluster/up-discovery-nodes.json?regionId=SHA&zoneId=sha-z2`)).text).toBe(NOT_FOUND);
    expect((await getJson(`${base}/api/cluster/up-discovery-nodes.json?regionId=SHA&zoneId=sha-z1`)).text).toBe(listed);
    expect((await getJson(`${base}/api/cluster/up-registry-nodes.json?regionId=SHA&zoneId=sha-z2`)).text).toBe(listed);
  });
});

describe('status rate limiter', () => {
  it('get-leases: the default 10 per window, the 11th answers rate-limited with zero fields and leases null (HTTP)', async () => {
    // A long window keeps the count deterministic however slow the machine is.
    const n = await startTestNode({ 'rateLimit.windowMs': 300_000 });
    try {
      for (let i = 0; i < 10; i++) {
        const ok = await getJson(`${n.url}/api/status/leases.json`);
        expect(ok.body.responseStatus, `call ${i + 1}`).toEqual(SUCCESS_STATUS);
      }
      const limited = await getJson(`${n.url}/api/status/leases.json`);
      expect(limited.status).toBe(200);
      expect(limited.text).toBe(
        '{"isSafe":false,"isSafeCheckEnabled":false,"leaseCount":0,"leaseUpdateCountLastTimeWindow":0,"leaseUpdateMaxCount":0,' +
          `"leaseUpdateMaxCountLastUpdateTime":0,"leases":null,${RATE_LIMITED_STATUS_TEXT}}`,
      );
      // POST shares the identity; legacy-leases has its own (default 30)
      expect((await postJson(`${n.url}/api/status/leases.json`, {})).body.responseStatus.errorCode).toBe('rate-limited');
      expect((await getJson(`${n.url}/api/status/legacy-leases.json`)).body.responseStatus).toEqual(SUCCESS_STATUS);
      // node.json is never limited
      expect((await getJson(`${n.url}/api/status/node.json`)).body.responseStatus).toEqual(SUCCESS_STATUS);
    } finally {
      await n.stop();
    }
  });

  describe('with a fake clock (in-process)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('the window slides: calls leave the window after windowMs and quota returns', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(1_700_000_000_000);
      const node = inProcessNode();
      const leases = async (): Promise<{ responseStatus: { status: string; errorCode: string } }> =>
        JSON.parse(await (await request(node, '/api/status/leases.json')).text()) as { responseStatus: { status: string; errorCode: string } };
      for (let i = 0; i < 5; i++) expect((await leases()).responseStatus.status).toBe('success');
      vi.setSystemTime(1_700_000_005_000);
      for (let i = 0; i < 5; i++) expect((await leases()).responseStatus.status).toBe('success');
      expect((await leases()).responseStatus.errorCode).toBe('rate-limited');
      vi.setSystemTime(1_700_000_009_999);
      expect((await leases()).responseStatus.errorCode).toBe('rate-limited');
      // the first five leave the window
      vi.setSystemTime(1_700_000_010_000);
      for (let i = 0; i < 5; i++) expect((await leases()).responseStatus.status).toBe('success');
      expect((await leases()).responseStatus.errorCode).toBe('rate-limited');
    });

    it('get-cluster, get-config and get-deployment: default 30, rate-limited bodies with null/zero fields', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(1_700_000_000_000);
      const node = inProcessNode();
      const texts = {
        cluster: `{"nodeCount":0,"nodesStatus":null,${RATE_LIMITED_STATUS_TEXT}}`,
        config: `{"properties":null,${RATE_LIMITED_STATUS_TEXT},"sources":null}`,
        deployment:
          '{"appId":null,"ip":null,"machineName":null,"path":null,"port":0,"properties":null,"protocol":null,"regionId":null,' +
          `${RATE_LIMITED_STATUS_TEXT},"sources":null,"zoneId":null}`,
      };
      for (const [name, limitedText] of Object.entries(texts)) {
        for (let i = 0; i < 30; i++) {
          const ok = JSON.parse(await (await request(node, `/api/status/${name}.json`)).text());
          expect(ok.responseStatus.status, `${name} #${i + 1}`).toBe('success');
        }
        expect(await (await request(node, `/api/status/${name}.json`)).text(), name).toBe(limitedText);
      }
    });
  });
});

describe('readiness', () => {
  it('/ready is 503 "starting" before start, 200 when up, 503 while stopping', async () => {
    const notStarted = createNode(testConfig());
    const before = await request(notStarted, '/ready');
    expect(before.status).toBe(503);
    expect(await before.text()).toBe('{"status":"starting"}');

    const n = await startTestNode();
    let stopped: Promise<void> | undefined;
    try {
      const up = await getJson(`${n.url}/ready`);
      expect(up.status).toBe(200);
      expect(up.text).toBe('{"status":"ready"}');
      stopped = n.stop();
      expect(n.node.readiness()).toBe('stopping');
      // in-process: once stop() has begun, the node's server refuses new connections
      const during = await n.node.app.request('/ready');
      expect(during.status).toBe(503);
      const health = await n.node.app.request('/api/status/node.json');
      expect(health.status).toBe(503);
      expect(JSON.parse(await health.text()).responseStatus.errorCode).toBe('service-unavailable');
      // the node reports itself down while stopping
      expect(n.node.state.status.status).toBe('down');
      await stopped;
    } finally {
      await (stopped ?? n.stop());
    }
  });
});

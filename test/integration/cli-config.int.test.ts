import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProperties } from '../../src/cli/config-convert.js';
import { loadConfig } from '../../src/config/load.js';
import { runCli as run } from '../helpers/child.js';
import { postJson, startTestNode, type RunningNode } from '../helpers/node.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/artemis.properties');

describe('artemis config convert', () => {
  it('maps or reports every key of a Java artemis.properties, and the result is a valid config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'artemis-convert-'));
    const out = join(dir, 'artemis.yaml');
    const res = await run(['config', 'convert', FIXTURE, '--out', out]);
    expect(res.code).toBe(0);
    const values = parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    const config = loadConfig({ file: { path: out, values } }).config;
    expect(config.regionId).toBe('SHA');
    expect(config.registry.lease.sweepIntervalMs).toBe(100);
    expect(config.registry.legacyLease.ttlMs).toBe(90_000);
    expect(config.registry.selfPreservation.windowMs).toBe(12_000);
    expect(config.rateLimit.status.limits).toEqual({ 'get-leases': 10 });
    expect(config.websocket.ipBlacklist).toEqual(['10.9.9.9', '10.9.9.8']);

    const json = JSON.parse((await run(['config', 'convert', FIXTURE, '--json'])).out) as { mapped: Array<{ javaKey: string }>; unmapped: Array<{ javaKey: string; reason: string }> };
    const keys = parseProperties(readFileSync(FIXTURE, 'utf8')).map(([k]) => k);
    const accounted = [...json.mapped.map((m) => m.javaKey), ...json.unmapped.map((u) => u.javaKey)];
    expect(accounted.sort()).toEqual([...keys].sort());
    expect(json.unmapped.every((u) => u.reason.length > 0)).toBe(true);
    expect(res.err).toContain(`could not map ${json.unmapped.length}`);
  });

  it('fails with a one-line reason for a missing file', async () => {
    const res = await run(['config', 'convert', '/nonexistent/artemis.properties']);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^artemis: cannot read/);
  });
});

describe('artemis config show and bulk commands against a real node', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode();
  });
  afterAll(async () => {
    await n.stop();
  });

  it('config show prints every key with its value and source', async () => {
    const res = await run(['config', 'show', '--url', n.url]);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^KEY\s+VALUE\s+SOURCE/);
    expect(res.out).toMatch(/regionId\s+"SHA"/);
    const json = JSON.parse((await run(['config', 'show', '--url', n.url, '--json'])).out) as Record<string, string>;
    expect(Object.keys(json)).toContain('registry.lease.ttlMs');
  });

  it('bulk register then pull-out: every instance handled, summary printed, exit codes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'artemis-bulk-'));
    const file = join(dir, 'instances.json');
    const instances = Array.from({ length: 25 }, (_, i) => ({ serviceId: 'bulk.demo', instanceId: `b${i}`, url: `http://10.3.0.${i}:80` }));
    writeFileSync(file, JSON.stringify([...instances, { serviceId: 'bulk.demo', instanceId: 'bad' }]));
    const reg = await run(['bulk', 'register', '--file', file, '--batch-size', '10', '--url', n.url]);
    expect(reg.code).toBe(1);
    expect(reg.out).toContain('register: 25 of 26 succeeded, 1 failed');
    expect(reg.out).toContain('bad:');
    writeFileSync(file, JSON.stringify(instances.slice(0, 5)));
    // pull-outs are management writes: the CLI takes the node's admin token from its data directory
    const out = await run(['bulk', 'pull-out', '--file', file, '--url', n.url, '--json'], { ARTEMIS_DATA_DIR: n.node.config.dataDir });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.out)).toMatchObject({ action: 'pull-out', total: 5, ok: 5, failed: [] });
    const lookup = await postJson(`${n.url}/api/discovery/lookup.json`, { discoveryConfigs: [{ serviceId: 'bulk.demo' }], regionId: 'SHA', zoneId: 'sha-z1' });
    expect(lookup.body.services[0].instances).toHaveLength(20);
  });
});

import { describe, expect, it } from 'vitest';
import { parseMetrics, quantile, snapshotOf } from '../../console/src/prom.js';
import { NodeMetrics } from '../../src/telemetry/metrics.js';

/** The console's reading of /metrics, against the text a node's own registry writes. */
describe('console metrics reading', () => {
  it('reads heartbeats, discovery requests and the latency histogram from a node registry', async () => {
    const m = new NodeMetrics();
    const before = snapshotOf(parseMetrics(await m.text()), 0);
    m.registryOperations.inc({ operation: 'heartbeat', result: 'ok' }, 40);
    m.registryOperations.inc({ operation: 'heartbeat', result: 'data-not-found' }, 2);
    m.registryOperations.inc({ operation: 'register', result: 'ok' }, 7);
    m.httpRequests.inc({ route: '/api/discovery/service.json', method: 'GET', code: '200' }, 30);
    m.httpRequests.inc({ route: '/api/discovery/lookup.json', method: 'POST', code: '200' }, 5);
    m.httpRequests.inc({ route: '/api/status/node.json', method: 'GET', code: '200' }, 9);
    // 90 fast answers (≤ 1 ms), 10 slow ones (25-50 ms); a status call does not count
    for (let i = 0; i < 90; i++) m.httpDuration.observe({ route: '/api/discovery/service.json', method: 'GET' }, 0.0008);
    for (let i = 0; i < 10; i++) m.httpDuration.observe({ route: '/api/registry/heartbeat.json', method: 'POST' }, 0.04);
    m.httpDuration.observe({ route: '/api/status/node.json', method: 'GET' }, 0.9);
    const after = snapshotOf(parseMetrics(await m.text()), 5_000);

    expect(after.heartbeats - before.heartbeats).toBe(42);
    expect(after.discoveries - before.discoveries).toBe(35);
    const p50 = quantile(before, after, 0.5)!;
    expect(p50).toBeGreaterThan(0.5);
    expect(p50).toBeLessThanOrEqual(1);
    const p99 = quantile(before, after, 0.99)!;
    expect(p99).toBeGreaterThan(25);
    expect(p99).toBeLessThanOrEqual(50);
    expect(quantile(after, after, 0.5)).toBeNull();
  });

  it('parses labels with escapes and skips comments and malformed lines', () => {
    const samples = parseMetrics(['# HELP x y', 'a_total{route="/a\\"b",le="+Inf"} 3', 'not a sample', 'b 1.5e3', ''].join('\n'));
    expect(samples).toEqual([
      { name: 'a_total', labels: { route: '/a"b', le: '+Inf' }, value: 3 },
      { name: 'b', labels: {}, value: 1500 },
    ]);
  });
});

/**
 * The log of a node as an operator reads it: the lines of a real node (its logger writing to a
 * captured pino destination) through a register, an expiry, a pull-out, a Redis store outage
 * and its end, rate-limit rejections, the access log and a traced request.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.js';
import { Tracing } from '../../src/telemetry/tracing.js';
import { ADMIN_HEADERS, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { freePort, startRedisServer, uniqueKeyPrefix, type RedisServerProcess } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

type Line = Record<string, unknown> & { level: string; msg: string; event?: string };

/** A logger whose lines (JSON, as the node writes them to stdout) land in `lines`. */
function capture() {
  const lines: Line[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Line) } });
  const find = (pred: (l: Line) => boolean, message: string) => waitFor(() => lines.find(pred), { message, intervalMs: 20, timeoutMs: 15_000 });
  return { lines, logger, find };
}

const LEASE = { 'registry.lease.ttlMs': 1_000, 'registry.lease.sweepIntervalMs': 50, logLevel: 'debug' };

describe('operator log lines of a node', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('logs register (debug), expiry, pull-out with its operator, and a store outage and its end (info)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'artemis-logs-redis-'));
    cleanup.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const port = await freePort();
    let redis: RedisServerProcess = await startRedisServer(dir, port);
    cleanup.push(() => redis.kill());
    const { logger, find, lines } = capture();
    const node: RunningNode = await startTestNode(
      { ...LEASE, 'store.url': redis.url, 'store.keyPrefix': uniqueKeyPrefix('logs'), 'management.refreshIntervalMs': 200 },
      { logger },
    );
    cleanup.push(() => node.stop());

    const a = instance({ instanceId: 'log-a', serviceId: 'demo.logs', url: 'http://10.0.0.1:80' });
    await postJson(`${node.url}/api/registry/register.json`, { instances: [a] });
    const registered = await find((l) => l.event === 'instance-registered', 'the registration line');
    expect(registered).toMatchObject({ level: 'debug', msg: 'instance registered', serviceId: 'demo.logs', instanceId: 'log-a', regionId: 'SHA', zoneId: 'sha-z1', url: 'http://10.0.0.1:80' });

    // no heartbeat: the lease expires; one info line for the sweep, and the instance's own line at debug
    const expired = await find((l) => l.event === 'instances-expired', 'the expiry line');
    expect(expired).toMatchObject({ level: 'info', msg: 'instances expired', table: 'instance', count: 1, services: 1, serviceIds: ['demo.logs'], instanceIds: ['log-a'] });
    const own = lines.filter((l) => l.event === 'instance-expired');
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({ level: 'debug', msg: 'instance expired', table: 'instance', serviceId: 'demo.logs', instanceId: 'log-a' });
    expect(own[0]!.sinceRenewalMs).toBeGreaterThanOrEqual(1_000);

    const pull = await postJson(`${node.url}/api/management/operate-instance.json`, {
      instanceKey: { regionId: 'SHA', serviceId: 'demo.logs', instanceId: 'log-a' },
      operation: 'pullout',
      operationComplete: false,
      operatorId: 'alice',
      token: 'ticket-1',
    }, { headers: ADMIN_HEADERS });
    expect(pull.body.responseStatus.status).toBe('success');
    const write = await find((l) => l.event === 'management-write', 'the management write line');
    expect(write).toMatchObject({ level: 'info', msg: 'management write', table: 'instance-operation', operatorId: 'alice', operation: 'pullout', serviceId: 'demo.logs', instanceId: 'log-a', complete: false });
    expect(write).not.toHaveProperty('token');

    // the store goes away: one outage line, however many reads and writes fail, and no other
    // warning or error about it; back: one recovery line
    const before = lines.length;
    await redis.kill();
    const outage = await find((l) => l.event === 'store-outage', 'the store outage line');
    expect(outage).toMatchObject({ level: 'warn', msg: 'management store unavailable', store: 'redis' });
    expect(String(outage.reason)).toContain('Redis');
    await new Promise((r) => setTimeout(r, 600)); // a few failing refreshes
    const refused = await postJson(`${node.url}/api/management/operate-instance.json`, {
      instanceKey: { regionId: 'SHA', serviceId: 'demo.logs', instanceId: 'log-a' }, operation: 'pullout', operationComplete: true, operatorId: 'alice', token: 'ticket-1',
    }, { headers: ADMIN_HEADERS });
    expect(refused.body.responseStatus.errorCode).toBe('service-unavailable');
    redis = await startRedisServer(dir, port);
    const recovered = await find((l) => l.event === 'store-recovered', 'the store recovery line');
    expect(recovered).toMatchObject({ level: 'info', msg: 'management store available again', store: 'redis' });
    expect(recovered.outageMs).toBeGreaterThan(0);
    const during = lines.slice(before);
    expect(during.filter((l) => l.event === 'store-outage')).toHaveLength(1);
    expect(during.filter((l) => l.event === 'store-recovered')).toHaveLength(1);
    expect(during.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.task === undefined ? l.msg : `${l.msg} (${JSON.stringify(l.task)})`)).toEqual(['management store unavailable']);

    // unregister: one info line for the request, and the instance's own line at debug
    const b = instance({ instanceId: 'log-b', serviceId: 'demo.logs', url: 'http://10.0.0.2:80' });
    const c = instance({ instanceId: 'log-c', serviceId: 'demo.logs', url: 'http://10.0.0.3:80' });
    await postJson(`${node.url}/api/registry/register.json`, { instances: [b, c] });
    await postJson(`${node.url}/api/registry/unregister.json`, { instances: [b, c] });
    expect(await find((l) => l.event === 'instances-unregistered', 'the unregistration line')).toMatchObject({
      level: 'info', msg: 'instances unregistered', table: 'instance', count: 2, services: 1, serviceIds: ['demo.logs'], instanceIds: ['log-b', 'log-c'],
    });
    expect(lines.filter((l) => l.event === 'instances-unregistered')).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'instance-unregistered').map((l) => [l.level, l.instanceId, l.serviceId])).toEqual([['debug', 'log-b', 'demo.logs'], ['debug', 'log-c', 'demo.logs']]);
    // operator lines are written outside any trace here
    expect(lines.some((l) => 'traceId' in l)).toBe(false);
  }, 60_000);

  it('sums up rate-limit rejections in one line per interval, and writes an access line per request when asked', async () => {
    const { logger, find, lines } = capture();
    const node = await startTestNode(
      { 'rateLimit.perClient.enabled': true, 'rateLimit.perClient.limit': 2, 'log.summaryIntervalMs': 1_000, 'log.accessLog': true },
      { logger },
    );
    cleanup.push(() => node.stop());
    const statuses: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await postJson(`${node.url}/api/registry/heartbeat.json`, { instances: [instance({ instanceId: `rl-${i}` })] });
      statuses.push(res.body.responseStatus.errorCode);
    }
    expect(statuses.filter((s) => s === 'rate-limited')).toHaveLength(5);
    const summary = await find((l) => l.event === 'rate-limited', 'the rate-limit summary');
    expect(summary).toMatchObject({ level: 'info', msg: 'requests refused by rate limits', total: 5, intervalMs: 1_000, rejected: { 'artemis.service.client': { '127.0.0.1': 5 } } });
    expect(lines.filter((l) => l.event === 'rate-limited')).toHaveLength(1);

    const access = lines.filter((l) => l.event === 'access' && l.route === '/api/registry/heartbeat.json');
    expect(access).toHaveLength(7);
    expect(access[0]).toMatchObject({ level: 'info', msg: 'request', method: 'POST', path: '/api/registry/heartbeat.json', status: 200, address: '127.0.0.1' });
    expect(typeof access[0]!.durationMs).toBe('number');
    await fetch(`${node.url}/api/status/node`);
    expect(await find((l) => l.event === 'access' && l.path === '/api/status/node', 'the access line of a variant path')).toMatchObject({ route: '/api/status/node.json' });
  }, 30_000);

  it('has no access lines when the access log is off (the default)', async () => {
    const { logger, lines } = capture();
    const node = await startTestNode({}, { logger });
    cleanup.push(() => node.stop());
    await postJson(`${node.url}/api/registry/heartbeat.json`, { instances: [instance()] });
    await fetch(`${node.url}/health`);
    expect(lines.filter((l) => l.event === 'access')).toEqual([]);
  });

  it('puts the trace and span id of a traced request in the lines written inside it and in its access line', async () => {
    const contextManager = new AsyncLocalStorageContextManager();
    expect(context.setGlobalContextManager(contextManager.enable())).toBe(true);
    cleanup.push(() => Promise.resolve(context.disable()));
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    cleanup.push(() => provider.shutdown());
    const { logger, find } = capture();
    const node = await startTestNode({ logLevel: 'debug', 'log.accessLog': true }, { logger, tracing: Tracing.create({ tracerProvider: provider }) });
    cleanup.push(() => node.stop());
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    await postJson(`${node.url}/api/registry/register.json`, { instances: [instance({ instanceId: 'traced' })] }, { headers: { traceparent: `00-${trace}-00f067aa0ba902b7-01` } });
    const line = await find((l) => l.event === 'instance-registered' && l.instanceId === 'traced', 'the registration line of the traced request');
    const span = exporter.getFinishedSpans().find((s) => s.name === 'POST /api/registry/register.json')!;
    expect(line).toMatchObject({ traceId: trace, spanId: span.spanContext().spanId });
    const access = await find((l) => l.event === 'access' && l.path === '/api/registry/register.json', 'the access line of the traced request');
    expect(access).toMatchObject({ traceId: trace, spanId: span.spanContext().spanId, status: 200 });
  });
});

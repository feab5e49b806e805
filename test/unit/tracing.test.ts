import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArtemisNode } from '../../src/app.js';
import type { AppliedListener } from '../../src/registry/registry-service.js';
import { ReplicationManager } from '../../src/replication/replication-manager.js';
import type { ReplicationTransport } from '../../src/replication/transport.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Tracing } from '../../src/telemetry/tracing.js';
import { request } from '../helpers/http.js';
import { inProcessNode, instance } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Tracing off must cost nothing: no span and not one call into the OpenTelemetry API on the
 * request path, even with a global tracer provider and context manager in place. Each check has
 * a tracing-on counterpart, so that it would notice spans if there were any.
 */

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

/** Spies on every OpenTelemetry API entry point the product uses; `calls()` sums them. */
function spyOnApi() {
  const spies = [
    vi.spyOn(context, 'active'),
    vi.spyOn(context, 'with'),
    vi.spyOn(trace, 'getTracer'),
    vi.spyOn(trace, 'getTracerProvider'),
    vi.spyOn(trace, 'getSpanContext'),
    vi.spyOn(trace, 'setSpan'),
    vi.spyOn(trace, 'setSpanContext'),
    vi.spyOn(propagation, 'extract'),
    vi.spyOn(propagation, 'inject'),
    vi.spyOn(provider, 'getTracer'),
  ];
  return { calls: () => spies.reduce((n, s) => n + s.mock.calls.length, 0) };
}

async function clientCalls(node: ArtemisNode): Promise<void> {
  for (const op of ['register', 'heartbeat', 'heartbeat', 'unregister']) {
    const res = await request(node, `/api/registry/${op}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      body: JSON.stringify({ instances: [instance()] }),
    });
    expect(await res.json()).toMatchObject({ responseStatus: { status: 'success' } });
  }
}

/** A running ReplicationManager with one peer and a transport that records the headers it is given. */
function manager(tracing: Tracing) {
  let applied: AppliedListener = () => undefined;
  const headers: Array<Readonly<Record<string, string>> | undefined> = [];
  const transport: ReplicationTransport = {
    send: (_peer, _op, _instances, _timeout, h) => {
      headers.push(h);
      return Promise.resolve({ status: 'success', errorCode: 'success', failed: [] });
    },
  };
  const config = { maxQueue: 10, maxBatch: 10, batchDelayMs: 0, timeoutMs: 1_000, taskTtlMs: 10_000, startupSyncTimeoutMs: 0, antiEntropyIntervalMs: 0, tombstoneTtlMs: 1_000 };
  const m = new ReplicationManager({
    registry: { onApplied: (l) => (applied = l) },
    peers: { peers: () => ['http://peer'], onChange: () => undefined },
    config,
    clock: { now: () => Date.now() },
    metricsRegistry: new Registry(),
    logger: silentLogger,
    transport,
    tracing,
  });
  m.start();
  return { m, headers, write: () => applied('register', instance(), 1) };
}

describe('tracing switched off', () => {
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    exporter.reset();
  });
  afterAll(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('the disabled facade does nothing and touches no OpenTelemetry API', () => {
    const api = spyOnApi();
    const t = Tracing.disabled;
    expect(t.enabled).toBe(false);
    expect(t.startServerSpan('POST', '/x', () => undefined)).toBeUndefined();
    expect(t.currentSpanContext()).toBeUndefined();
    expect(t.startBatchSpan('b', {}, [])).toBeUndefined();
    expect(t.inSpan('s', {}, (span) => span)).toBeUndefined();
    expect(api.calls()).toBe(0);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('a node with the default configuration makes no span and no API call per request', async () => {
    const node = inProcessNode();
    const api = spyOnApi();
    await clientCalls(node);
    expect(api.calls()).toBe(0);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await node.stop();
  });

  it('counterpart: with tracing.enabled the node traces every request on the global provider', async () => {
    const node = inProcessNode({ 'tracing.enabled': true });
    const api = spyOnApi();
    await clientCalls(node);
    expect(api.calls()).toBeGreaterThan(0);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual([
      'POST /api/registry/register.json',
      'POST /api/registry/heartbeat.json',
      'POST /api/registry/heartbeat.json',
      'POST /api/registry/unregister.json',
    ]);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set(['4bf92f3577b34da6a3ce929d0e0e4736']));
    await node.stop();
  });

  /** Runs `fn` as if inside a client request's span, entering the context without the API. */
  const CLIENT_SPAN = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  const clientContext = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(CLIENT_SPAN));
  const inClientRequest = (fn: () => void) => contextManager.with(clientContext, fn);

  it('replication tasks carry no span context and requests no trace headers', async () => {
    const { m, headers, write } = manager(Tracing.disabled);
    const api = spyOnApi();
    inClientRequest(write);
    await waitFor(() => headers.length === 1, { message: 'one replication batch' });
    expect(headers).toEqual([undefined]);
    expect(api.calls()).toBe(0);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await m.stop(Date.now());
  });

  it('counterpart: with tracing on, the batch request carries traceparent of a linked span', async () => {
    const { m, headers, write } = manager(Tracing.create({ tracerProvider: provider }));
    inClientRequest(write);
    await waitFor(() => headers.length === 1, { message: 'one replication batch' });
    expect(headers[0]?.['traceparent']).toMatch(new RegExp(`^00-${CLIENT_SPAN.traceId}-[0-9a-f]{16}-01$`));
    const batch = exporter.getFinishedSpans().find((s) => s.name === 'artemis.replication.batch');
    expect(batch?.links.map((l) => l.context.spanId)).toEqual([CLIENT_SPAN.spanId]);
    expect(batch?.parentSpanContext?.spanId).toBe(CLIENT_SPAN.spanId);
    await m.stop(Date.now());
  });
});

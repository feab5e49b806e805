import { context, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tracing } from '../../src/telemetry/tracing.js';
import { TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { waitFor, waitForIds } from '../helpers/wait.js';

/**
 * Two nodes in one process, A replicating to B, each with its own tracer provider and in-memory
 * exporter: a client write to A and its replication to B form one trace.
 */

const FLAGS = {
  'cluster.key': TEST_CLUSTER_KEY,
  'discovery.coalesceMs': 0,
  'replication.batchDelayMs': 400,
  'replication.antiEntropyIntervalMs': 0,
};
/** The trace the calling client is in: its `traceparent` reaches A. */
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

function tracedNode() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider, tracing: Tracing.create({ tracerProvider: provider }) };
}

function inst(id: string) {
  return instance({ instanceId: id, ip: '10.0.9.1', url: `http://10.0.9.1/${id}` });
}

const ids = (s: ReadableSpan) => s.spanContext();
const named = (spans: ReadableSpan[], name: string, operation?: string) =>
  spans.filter((s) => s.name === name && (operation === undefined || s.attributes['artemis.replication.operation'] === operation));

describe('tracing across a replication hop', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  const ta = tracedNode();
  const tb = tracedNode();
  let a: RunningNode, b: RunningNode;

  beforeAll(async () => {
    expect(context.setGlobalContextManager(contextManager.enable())).toBe(true);
    [a, b] = await Promise.all([startTestNode(FLAGS, { tracing: ta.tracing }), startTestNode(FLAGS, { tracing: tb.tracing })]);
    a.node.replication.peers.set([b.url]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([ta.provider.shutdown(), tb.provider.shutdown()]);
    context.disable();
  });

  it('puts the client request on A, the replication batch and its application on B in one trace', async () => {
    const res = await postJson(
      `${a.url}/api/registry/register.json`,
      { instances: [inst('t1')] },
      { gzip: true, headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } },
    );
    expect(res.body.responseStatus.status).toBe('success');
    await waitForIds(b.url, ['t1']);
    const [batch, serverB] = await waitFor(() => {
      const x = named(ta.exporter.getFinishedSpans(), 'artemis.replication.batch', 'register')[0];
      const y = named(tb.exporter.getFinishedSpans(), 'POST /api/replication/registry/register.json')[0];
      return Promise.resolve(x !== undefined && y !== undefined ? ([x, y] as const) : undefined);
    }, { message: 'the replication spans' });

    const clientSpans = named(ta.exporter.getFinishedSpans(), 'POST /api/registry/register.json');
    expect(clientSpans).toHaveLength(1);
    const client = clientSpans[0]!;
    expect(client.kind).toBe(SpanKind.SERVER);
    expect(ids(client).traceId).toBe(CALLER_TRACE);
    expect(client.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(client.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.path': '/api/registry/register.json',
      'http.route': '/api/registry/register.json',
      'http.response.status_code': 200,
    });

    expect(batch.kind).toBe(SpanKind.CLIENT);
    expect(ids(batch).traceId).toBe(CALLER_TRACE);
    expect(batch.parentSpanContext?.spanId).toBe(ids(client).spanId);
    expect(batch.links.map((l) => l.context.spanId)).toEqual([ids(client).spanId]);
    expect(batch.attributes).toMatchObject({ 'artemis.replication.peer': b.url, 'artemis.replication.batch_size': 1 });

    expect(serverB.kind).toBe(SpanKind.SERVER);
    expect(ids(serverB).traceId).toBe(CALLER_TRACE);
    expect(serverB.parentSpanContext?.spanId).toBe(ids(batch).spanId);
    expect(serverB.parentSpanContext?.isRemote).toBe(true);

    const apply = named(tb.exporter.getFinishedSpans(), 'artemis.replication.apply', 'register');
    expect(apply).toHaveLength(1);
    expect(apply[0]!.kind).toBe(SpanKind.INTERNAL);
    expect(ids(apply[0]!).traceId).toBe(CALLER_TRACE);
    expect(apply[0]!.parentSpanContext?.spanId).toBe(ids(serverB).spanId);
    expect(apply[0]!.attributes['artemis.response_status']).toBe('success');

    // B only received: it made no replication span of its own, and A applied nothing replicated.
    expect(named(tb.exporter.getFinishedSpans(), 'artemis.replication.batch')).toEqual([]);
    expect(named(ta.exporter.getFinishedSpans(), 'artemis.replication.apply')).toEqual([]);
  });

  it('links one batch to every client request whose writes it carries, as a child of the first', async () => {
    expect((await postJson(`${a.url}/api/registry/register.json`, { instances: [inst('h1'), inst('h2')] })).body.responseStatus.status).toBe('success');
    await waitForIds(b.url, ['h1', 'h2', 't1']);
    ta.exporter.reset();
    tb.exporter.reset();
    // Heartbeats wait up to replication.batchDelayMs for company: both go in one batch.
    for (const id of ['h1', 'h2']) {
      expect((await postJson(`${a.url}/api/registry/heartbeat.json`, { instances: [inst(id)] })).body.responseStatus.status).toBe('success');
    }
    const batch = await waitFor(() => Promise.resolve(named(ta.exporter.getFinishedSpans(), 'artemis.replication.batch', 'heartbeat')[0]), { message: 'the heartbeat batch span' });
    const requests = named(ta.exporter.getFinishedSpans(), 'POST /api/registry/heartbeat.json');
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((r) => ids(r).traceId)).size).toBe(2);
    expect(batch.attributes['artemis.replication.batch_size']).toBe(2);
    expect(batch.links.map((l) => l.context.spanId).sort()).toEqual(requests.map((r) => ids(r).spanId).sort());
    const first = requests.find((r) => ids(r).spanId === batch.links[0]!.context.spanId)!;
    expect(ids(batch).traceId).toBe(ids(first).traceId);
    expect(batch.parentSpanContext?.spanId).toBe(ids(first).spanId);

    const serverB = await waitFor(() => Promise.resolve(named(tb.exporter.getFinishedSpans(), 'POST /api/replication/registry/heartbeat.json')[0]), { message: 'the span on B' });
    expect(serverB.parentSpanContext?.spanId).toBe(ids(batch).spanId);
    expect(ids(serverB).traceId).toBe(ids(first).traceId);
  });
});

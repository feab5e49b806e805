import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { instanceKey, type Instance } from '../core/wire/instance.js';
import { silentLogger } from '../telemetry/logger.js';
import { PeerSender } from './peer-sender.js';
import { ReplicationMetrics } from './replication-metrics.js';
import type { PeerAnswer, ReplicationTransport } from './transport.js';

const config = { maxQueue: 100, maxBatch: 3, batchDelayMs: 5, timeoutMs: 100, taskTtlMs: 2_000, startupSyncTimeoutMs: 0, antiEntropyIntervalMs: 0, tombstoneTtlMs: 60_000 };
const clock = { now: () => Date.now() };

function inst(id: string): Instance {
  return { regionId: 'SHA', zoneId: 'z', serviceId: 'svc', instanceId: id, url: `http://${id}` } as Instance;
}

function task(id: string, operation: 'register' | 'heartbeat' = 'register') {
  const now = Date.now();
  return { operation, instance: inst(id), key: instanceKey(inst(id)), writtenAt: now, expiresAt: now + config.taskTtlMs };
}

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function sender(answers: Array<PeerAnswer | Error>, overrides: Partial<typeof config> = {}) {
  const calls: string[][] = [];
  const transport: ReplicationTransport = {
    send: (_peer, _op, instances) => {
      calls.push(instances.map((i) => i.instanceId as string));
      const next = answers.shift() ?? { status: 'success', errorCode: 'success', failed: [] };
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
  const metrics = new ReplicationMetrics(new Registry(), () => new Map());
  const s = new PeerSender('http://peer', { config: { ...config, ...overrides }, clock, transport, metrics, logger: silentLogger, baseBackoffMs: 5, maxBackoffMs: 20 });
  return { s, calls, metrics };
}

describe('PeerSender', () => {
  it('holds heartbeats for the batch delay but sends a register on the next turn, with them', async () => {
    const { s, calls } = sender([], { batchDelayMs: 10_000 });
    s.enqueue(task('h', 'heartbeat'));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toEqual([]);
    s.enqueue(task('r'));
    await until(() => calls.length === 2, 500);
    expect(calls.flat().sort()).toEqual(['h', 'r']);
  });

  it('batches by size and sends the rest after the delay', async () => {
    const { s, calls } = sender([]);
    for (const id of ['a', 'b', 'c', 'd']) s.enqueue(task(id));
    await until(() => calls.length === 2);
    expect(calls).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('retries a failed request and rate-limited instances, drops refused ones', async () => {
    const limited: PeerAnswer = {
      status: 'partial_fail', errorCode: 'partial_fail',
      failed: [{ instance: inst('a'), errorCode: 'rate-limited' }, { instance: inst('b'), errorCode: 'no-permission' }],
    };
    const { s, calls, metrics } = sender([new Error('refused'), limited]);
    s.enqueue(task('a'));
    s.enqueue(task('b'));
    await until(() => calls.length === 3);
    expect(calls).toEqual([['a', 'b'], ['a', 'b'], ['a']]);
    expect((await metrics.drops.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'rejected' }, value: 1 })]);
    await until(() => s.queue.size === 0);
  });

  it('flushes what is queued on close', async () => {
    const { s, calls } = sender([]);
    s.enqueue(task('a'));
    await s.close(Date.now() + 1_000);
    expect(calls).toEqual([['a']]);
  });

  it('gives up on a failing peer at close and counts the rest as dropped', async () => {
    const { s, metrics } = sender([new Error('down')]);
    s.enqueue(task('a'));
    await s.close(Date.now() + 1_000);
    expect((await metrics.drops.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'shutdown' }, value: 1 })]);
  });
});

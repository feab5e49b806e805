import { describe, expect, it } from 'vitest';
import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { RegistryOperation } from '../registry/registry-service.js';
import { TaskQueue, type DropReason, type ReplicationTask } from './task-queue.js';
import { classifyAnswer } from './transport.js';

function inst(id: string): Instance {
  return { regionId: 'SHA', zoneId: 'z', serviceId: 'svc', instanceId: id, url: `http://${id}` } as Instance;
}

function task(operation: RegistryOperation, id: string, writtenAt = 0, ttl = 1_000): ReplicationTask {
  const instance = inst(id);
  return { operation, instance, key: instanceKey(instance), writtenAt, expiresAt: writtenAt + ttl };
}

function queue(max = 10) {
  const drops: Array<[DropReason, number]> = [];
  return { q: new TaskQueue(max, (r, n) => drops.push([r, n])), drops };
}

describe('TaskQueue', () => {
  it('keeps only the latest heartbeat of an instance, in its original position', () => {
    const { q } = queue();
    q.push(task('heartbeat', 'a', 1));
    q.push(task('heartbeat', 'b', 2));
    q.push(task('heartbeat', 'a', 3));
    const taken = q.take(10, 0);
    expect(taken.map((t) => [t.instance.instanceId, t.writtenAt])).toEqual([['a', 3], ['b', 2]]);
  });

  it('lets a heartbeat not replace a queued register, but an unregister does', () => {
    const { q } = queue();
    q.push(task('register', 'a'));
    q.push(task('heartbeat', 'a'));
    expect(q.take(10, 0).map((t) => t.operation)).toEqual(['register']);
    q.push(task('register', 'a'));
    q.push(task('unregister', 'a'));
    expect(q.take(10, 0).map((t) => t.operation)).toEqual(['unregister']);
  });

  it('drops the oldest task on overflow and counts it', () => {
    const { q, drops } = queue(2);
    for (const id of ['a', 'b', 'c']) q.push(task('heartbeat', id));
    expect(q.take(10, 0).map((t) => t.instance.instanceId)).toEqual(['b', 'c']);
    expect(drops).toEqual([['overflow', 1]]);
  });

  it('sends retries first, unless a newer write for the instance is queued', () => {
    const { q } = queue();
    const old = [task('register', 'a'), task('register', 'b')];
    q.push(task('heartbeat', 'c'));
    q.push(task('unregister', 'b'));
    q.retry(old, 0);
    expect(q.take(10, 0).map((t) => `${t.operation}:${t.instance.instanceId}`)).toEqual(['register:a', 'heartbeat:c', 'unregister:b']);
  });

  it('drops expired tasks when taking and when retrying', () => {
    const { q, drops } = queue();
    q.push(task('register', 'a', 0, 100));
    q.push(task('register', 'b', 0, 500));
    expect(q.take(10, 200).map((t) => t.instance.instanceId)).toEqual(['b']);
    q.retry([task('register', 'c', 0, 100)], 200);
    expect(q.size).toBe(0);
    expect(drops).toEqual([['expired', 1], ['expired', 1]]);
  });

  it('takes at most the batch size', () => {
    const { q } = queue();
    for (const id of ['a', 'b', 'c']) q.push(task('heartbeat', id));
    expect(q.take(2, 0)).toHaveLength(2);
    expect(q.size).toBe(1);
  });
});

describe('classifyAnswer', () => {
  const tasks = [task('register', 'a'), task('register', 'b'), task('register', 'c')];
  const ids = (ts: ReplicationTask[]) => ts.map((t) => t.instance.instanceId);

  it('acks everything on success', () => {
    const o = classifyAnswer({ status: 'success', errorCode: 'success', failed: [] }, tasks);
    expect(ids(o.acked)).toEqual(['a', 'b', 'c']);
  });

  it('retries rate-limited and unknown instances, rejects the other failures', () => {
    const failed = [
      { instance: inst('a'), errorCode: 'rate-limited' },
      { instance: inst('b'), errorCode: 'no-permission' },
    ];
    const o = classifyAnswer({ status: 'partial_fail', errorCode: 'partial_fail', failed }, tasks);
    expect([ids(o.acked), ids(o.retry), ids(o.rejected)]).toEqual([['c'], ['a'], ['b']]);
  });

  it('applies a whole-request failure to every instance', () => {
    expect(ids(classifyAnswer({ status: 'fail', errorCode: 'rate-limited', failed: [] }, tasks).retry)).toHaveLength(3);
    expect(ids(classifyAnswer({ status: 'fail', errorCode: 'bad-request', failed: [] }, tasks).rejected)).toHaveLength(3);
    expect(ids(classifyAnswer({ status: 'weird', errorCode: 'x', failed: [] }, tasks).retry)).toHaveLength(3);
  });
});

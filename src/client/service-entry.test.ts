import { describe, expect, it } from 'vitest';
import { makeInstance, type Instance } from '../core/wire/instance.js';
import { makeService } from '../core/wire/service.js';
import { ArtemisClientError } from './errors.js';
import { ServiceEntry } from './service-entry.js';
import type { PushedChange } from './wire.js';

const inst = (id: string, url = `http://${id}`): Instance => makeInstance({ regionId: 'SHA', serviceId: 'demo', instanceId: id, url });
const push = (changeType: PushedChange['changeType'], i: Instance, version: number): PushedChange => ({ changeTime: 1, changeType, instance: i, version });
const A = 'http://node-a';
const B = 'http://node-b';

function loaded(version: number | undefined, ...instances: Instance[]): ServiceEntry {
  const e = new ServiceEntry('Demo');
  e.beginFetch();
  e.fetched({ service: makeService('demo', instances), node: A, version, etag: version === undefined ? null : `W/"${version}"` });
  return e;
}

const ids = (e: ServiceEntry) => (e.service?.instances ?? []).map((i) => i.instanceId);

describe('ServiceEntry: applying pushes', () => {
  it('adds, replaces and removes by identity, with one event per real change', () => {
    const e = loaded(10, inst('a'));
    expect(e.onPush(push('new', inst('b'), 11), A)).toMatchObject([{ changeType: 'new', serviceId: 'Demo', instance: { instanceId: 'b' } }]);
    expect(e.onPush(push('new', inst('b'), 11), A)).toEqual([]);
    expect(e.onPush(push('change', inst('B', 'http://moved'), 12), A)).toHaveLength(1);
    expect(e.service?.instances?.[1]?.url).toBe('http://moved');
    expect(e.onPush(push('delete', inst('zzz'), 13), A)).toEqual([]);
    const [removed] = e.onPush(push('delete', inst('a'), 13), A) as Array<{ service: { instances: Instance[] } }>;
    expect(removed!.service.instances.map((i) => i.instanceId)).toEqual(['B']);
    expect(Object.isFrozen(e.service)).toBe(true);
  });

  it('asks for a fetch on reload', () => {
    expect(loaded(10).onPush(push('reload', inst('reload'), 0), A)).toBe('reload');
  });
});

describe('ServiceEntry: resume version', () => {
  it('starts from the fetched version of that node only', () => {
    const e = loaded(10);
    expect(e.resumeVersion(A)).toBe(10);
    expect(e.resumeVersion(B)).toBeUndefined();
    expect(loaded(undefined).resumeVersion(A)).toBeUndefined();
  });

  it('moves to a batch only once a later batch starts, so a half-received batch is replayed', () => {
    const e = loaded(10);
    e.onPush(push('new', inst('a'), 20), A);
    expect(e.resumeVersion(A)).toBe(10);
    e.onPush(push('new', inst('b'), 20), A);
    expect(e.resumeVersion(A)).toBe(10);
    e.onPush(push('new', inst('c'), 30), A);
    expect(e.resumeVersion(A)).toBe(20);
    e.onPush(push('delete', inst('c'), 0), A); // unversioned frames do not move it
    expect(e.resumeVersion(A)).toBe(20);
  });

  it('forgets versions when frames come from another node', () => {
    const e = loaded(10);
    e.onPush(push('new', inst('a'), 500), B);
    expect(e.resumeVersion(A)).toBeUndefined();
    expect(e.resumeVersion(B)).toBeUndefined();
    e.onPush(push('new', inst('b'), 600), B);
    expect(e.resumeVersion(B)).toBe(500);
  });

  it('replaying a batch after a resume changes nothing and emits nothing', () => {
    const e = loaded(10, inst('a'));
    e.onPush(push('new', inst('b'), 20), A);
    const replay = [push('new', inst('b'), 20), push('delete', inst('x'), 20)];
    expect(replay.flatMap((c) => e.onPush(c, A) as unknown[])).toEqual([]);
    expect(ids(e)).toEqual(['a', 'b']);
  });
});

describe('ServiceEntry: pushes during a fetch', () => {
  it('holds pushes back and replays those newer than the fetched version', () => {
    const e = loaded(10, inst('a'));
    e.beginFetch();
    expect(e.onPush(push('delete', inst('a'), 20), A)).toEqual([]);
    expect(e.onPush(push('new', inst('c'), 30), A)).toEqual([]);
    expect(ids(e)).toEqual(['a']);
    // the fetch answered version 20: a already gone, b added by then
    const events = e.fetched({ service: makeService('demo', [inst('b')]), node: A, version: 20, etag: 'W/"20"' });
    expect(ids(e)).toEqual(['b', 'c']);
    expect(events.map((ev) => ev.changeType)).toEqual(['reload']);
    expect(e.resumeVersion(A)).toBe(20);
  });

  it('does not fire reload when a fetch finds the same data', () => {
    const e = loaded(10, inst('a'));
    e.beginFetch();
    expect(e.fetched({ service: makeService('demo', [inst('a')]), node: A, version: 10, etag: 'W/"10"' })).toEqual([]);
  });

  it('keeps the last known data when the fetch fails, and applies what was held back', () => {
    const e = loaded(10, inst('a'));
    e.beginFetch();
    e.onPush(push('new', inst('b'), 20), A);
    const events = e.failed(new ArtemisClientError('network', 'down'));
    expect(ids(e)).toEqual(['a', 'b']);
    expect(events.map((ev) => ev.changeType)).toEqual(['new']);
    expect(e.lastError?.code).toBe('network');
  });

  it('on 304 only releases what was held back', () => {
    const e = loaded(10, inst('a'));
    e.beginFetch();
    e.onPush(push('delete', inst('a'), 20), A);
    expect(e.unchanged().map((ev) => ev.changeType)).toEqual(['delete']);
    expect(ids(e)).toEqual([]);
  });

  it('drops pushes for a service never fetched', () => {
    const e = new ServiceEntry('demo');
    e.beginFetch();
    e.onPush(push('new', inst('a'), 20), A);
    expect(e.failed(new ArtemisClientError('timeout', 't'))).toEqual([]);
    expect(e.service).toBeUndefined();
  });
});

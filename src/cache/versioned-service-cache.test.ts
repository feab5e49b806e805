import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { makeInstance, type Instance } from '../core/wire/instance.js';
import { makeService, type Service } from '../core/wire/service.js';
import { VersionedServiceCache, type VersionedCacheSettings } from './versioned-service-cache.js';
import { SUCCESS_JSON } from './wire-json.js';
import type { WireChange, WireService, DeltaBody } from '../../test/helpers/wire-types.js';

function inst(serviceId: string, instanceId: string, url = `http://${instanceId}`): Instance {
  return makeInstance({ regionId: 'SHA', zoneId: 'sha-z1', serviceId, instanceId, url, port: 80 });
}

/** A hand-driven registry: services by lower-cased key, instances by id. */
class FakeSource {
  readonly services = new Map<string, { id: string; instances: Map<string, Instance> }>();
  builds = 0;

  put(i: Instance): string {
    const key = (i.serviceId as string).toLowerCase();
    let s = this.services.get(key);
    if (s === undefined) this.services.set(key, (s = { id: i.serviceId as string, instances: new Map() }));
    s.instances.set(i.instanceId as string, i);
    return key;
  }

  drop(serviceId: string, instanceId: string): string {
    const key = serviceId.toLowerCase();
    const s = this.services.get(key);
    s?.instances.delete(instanceId);
    if (s?.instances.size === 0) this.services.delete(key);
    return key;
  }

  build(key: string): Service | null {
    this.builds++;
    const s = this.services.get(key);
    return s === undefined ? null : makeService(s.id, [...s.instances.values()]);
  }

  keys(): Iterable<string> {
    return this.services.keys();
  }

  /** Whether a removal leaves the rest of a service as it was (as with no filter). */
  keepsRest = true;

  afterRemoval(key: string): 'kept' | 'gone' | 'build' {
    if (!this.services.has(key)) return 'gone';
    return this.keepsRest ? 'kept' : 'build';
  }
}

function setup(settings: Partial<VersionedCacheSettings> = {}, start = 1_700_000_000_000) {
  const clock = { t: start, now: () => clock.t };
  const source = new FakeSource();
  const cache = new VersionedServiceCache(source, { deltaHistoryCount: 64, deltaHistoryMaxAgeMs: 300_000, ...settings }, clock);
  const apply = (key: string) => {
    cache.invalidate(key);
    clock.t += 1_000;
    return cache.rebuild();
  };
  return { clock, source, cache, apply };
}

const deltaOf = (cache: VersionedServiceCache, v: number) => JSON.parse(cache.deltaBody(v)?.bytes.toString() ?? 'null') as DeltaBody;

describe('VersionedServiceCache', () => {
  it('starts at the clock time with an empty snapshot', () => {
    const { cache } = setup();
    expect(cache.version).toBe(1_700_000_000_000);
    expect(cache.servicesBody().bytes.toString()).toBe(
      '{"responseStatus":{"errorCode":"success","message":"","status":"success"},"services":[],"version":1700000000000}',
    );
  });

  it('serves the same Buffer instances while a service is unchanged', async () => {
    const { source, cache, apply } = setup();
    apply(source.put(inst('demo', 'a')));
    const first = cache.service('demo')!;
    apply(source.put(inst('other', 'b')));
    const second = cache.service('demo')!;
    expect(second).toBe(first);
    expect(second.fragment).toBe(first.fragment);
    expect(second.responseBody().bytes).toBe(first.responseBody().bytes);
    expect(cache.servicesBody()).toBe(cache.servicesBody());
    const gz = await cache.servicesBody().gzip();
    expect(await cache.servicesBody().gzip()).toBe(gz);
    expect(gunzipSync(gz).equals(cache.servicesBody().bytes)).toBe(true);
  });

  it('rebuilds only dirty services and bumps the version only on a change', () => {
    const { source, cache, apply } = setup();
    apply(source.put(inst('demo', 'a')));
    apply(source.put(inst('other', 'b')));
    const v = cache.version;
    const builds = source.builds;
    expect(cache.rebuild()).toBe(false);
    cache.invalidate('demo');
    expect(cache.rebuild()).toBe(false);
    expect(source.builds).toBe(builds + 1);
    expect(cache.version).toBe(v);
  });

  it('never lets the version go down, even when the clock does', () => {
    const { clock, source, cache, apply } = setup();
    apply(source.put(inst('demo', 'a')));
    const v = cache.version;
    clock.t -= 60_000;
    cache.invalidate(source.put(inst('demo', 'b')));
    expect(cache.rebuild()).toBe(true);
    expect(cache.version).toBe(v + 1);
  });

  it('answers a delta for every retained version, leading to the newest', () => {
    const { source, cache, apply } = setup();
    const v0 = cache.version;
    apply(source.put(inst('demo', 'a')));
    const v1 = cache.version;
    apply(source.put(inst('demo', 'b')));
    const v2 = cache.version;
    apply(source.drop('demo', 'a'));
    const d0 = deltaOf(cache, v0);
    expect(d0.version).toBe(cache.version);
    expect(d0.delta.demo!.map((c: WireChange) => [c.changeType, c.instance.instanceId])).toEqual([['new', 'b']]);
    expect(deltaOf(cache, v1).delta.demo!.map((c: WireChange) => [c.changeType, c.instance.instanceId])).toEqual([
      ['new', 'b'],
      ['delete', 'a'],
    ]);
    expect(deltaOf(cache, v2).delta.demo!.map((c: WireChange) => [c.changeType, c.instance.instanceId])).toEqual([['delete', 'a']]);
    expect(cache.deltaBody(v1)).toBe(cache.deltaBody(v1));
  });

  it('has no delta for the current version, version 0 or an unknown one', () => {
    const { source, cache, apply } = setup();
    const v0 = cache.version;
    expect(cache.deltaBody(v0)).toBeNull();
    apply(source.put(inst('demo', 'a')));
    expect(cache.deltaBody(cache.version)).toBeNull();
    expect(cache.deltaBody(0)).toBeNull();
    expect(cache.deltaBody(v0 + 1)).toBeNull();
    expect(cache.deltaBody(v0)).not.toBeNull();
  });

  it('reports a data change as delete (old data) plus new (new data)', () => {
    const { source, cache, apply } = setup();
    apply(source.put(inst('demo', 'a', 'http://old')));
    const v = cache.version;
    apply(source.put(inst('demo', 'a', 'http://new')));
    const changes = deltaOf(cache, v).delta.demo!;
    expect(changes.map((c: WireChange) => [c.changeType, c.instance.url])).toEqual([
      ['delete', 'http://old'],
      ['new', 'http://new'],
    ]);
    expect(Object.keys(changes[0]!)).toEqual(['changeTime', 'changeType', 'instance']);
  });

  it('drops an unchanged round trip from the delta', () => {
    const { source, cache, apply } = setup();
    apply(source.put(inst('demo', 'a')));
    apply(source.put(inst('demo', 'b')));
    const v = cache.version;
    apply(source.drop('demo', 'a'));
    apply(source.put(inst('demo', 'a')));
    expect(deltaOf(cache, v).delta).toEqual({});
  });

  it('forgets versions beyond the count', () => {
    const { source, cache, apply } = setup({ deltaHistoryCount: 2 });
    const versions = [cache.version];
    for (const id of ['a', 'b', 'c']) {
      apply(source.put(inst('demo', id)));
      versions.push(cache.version);
    }
    expect(cache.deltaBody(versions[0]!)).toBeNull();
    expect(cache.deltaBody(versions[1]!)).not.toBeNull();
    expect(cache.deltaBody(versions[2]!)).not.toBeNull();
  });

  it('forgets versions superseded longer ago than the age limit', () => {
    const { clock, source, cache, apply } = setup({ deltaHistoryMaxAgeMs: 10_000 });
    const v0 = cache.version;
    clock.t += 60_000;
    apply(source.put(inst('demo', 'a')));
    const v1 = cache.version;
    apply(source.put(inst('demo', 'b')));
    expect(cache.deltaBody(v0)).not.toBeNull();
    clock.t += 9_000;
    expect(cache.deltaBody(v1)).not.toBeNull();
    clock.t += 1_000;
    expect(cache.deltaBody(v0)).toBeNull();
    expect(cache.deltaBody(v1)).not.toBeNull();
  });

  it('lists only services with instances, sorted by key, and keeps the registration spelling', () => {
    const { source, cache, apply } = setup();
    apply(source.put(inst('Zeta', 'z')));
    apply(source.put(inst('Alpha.Svc', 'a')));
    const body = JSON.parse(cache.servicesBody().bytes.toString()) as { services: WireService[]; version: number };
    expect(body.services.map((s: WireService) => s.serviceId)).toEqual(['Alpha.Svc', 'Zeta']);
    expect(body.version).toBe(cache.version);
    expect(cache.servicesBody().etag).toBe(`W/"${cache.version}"`);
  });

  it('with a budget, rebuilds part of the dirty services as one version and leaves the rest dirty', () => {
    const { clock, source, cache } = setup();
    const v0 = cache.version;
    for (const id of ['a', 'b', 'c']) cache.invalidate(source.put(inst(id, `${id}1`)));
    clock.t += 1_000;
    // a budget of 0 runs out after the first service
    expect(cache.rebuild(0)).toBe(true);
    const v1 = cache.version;
    expect(cache.hasDirty).toBe(true);
    expect(['a', 'b', 'c'].filter((k) => cache.isDirty(k))).toEqual(['b', 'c']);
    expect(cache.service('a')).toBeDefined();
    expect(cache.service('b')).toBeUndefined();
    clock.t += 1_000;
    expect(cache.rebuild(0)).toBe(true);
    expect(cache.rebuild(0)).toBe(true);
    expect(cache.hasDirty).toBe(false);
    expect(cache.rebuild(0)).toBe(false);
    expect(cache.stats.versionBumps).toBe(3);
    expect(Object.keys(deltaOf(cache, v0).delta).sort()).toEqual(['a', 'b', 'c']);
    expect(Object.keys(deltaOf(cache, v1).delta).sort()).toEqual(['b', 'c']);
  });

  it('the parts of a rebuild cover the services dirty when it began; later ones wait unless named first', () => {
    const { clock, source, cache } = setup();
    for (const id of ['a', 'b', 'c']) cache.invalidate(source.put(inst(id, `${id}1`)));
    clock.t += 1_000;
    expect(cache.rebuild(0, ['c', 'x'])).toBe(true);
    expect(['a', 'b', 'c'].filter((k) => cache.isDirty(k))).toEqual(['a', 'b']);
    cache.invalidate(source.put(inst('d', 'd1')));
    cache.invalidate(source.put(inst('e', 'e1')));
    expect(cache.rebuilding).toBe(true);
    expect(cache.rebuild(0, ['e'])).toBe(true);
    expect(cache.isDirty('e')).toBe(false);
    expect(cache.rebuild(0)).toBe(true);
    expect(cache.rebuild(0)).toBe(true);
    expect(['a', 'b', 'd'].filter((k) => cache.isDirty(k))).toEqual(['d']);
    expect(cache.rebuilding).toBe(false);
    // the next rebuild begins a round of its own
    expect(cache.rebuild(0)).toBe(true);
    expect(cache.hasDirty).toBe(false);
    expect(cache.rebuilding).toBe(false);
  });

  it('a full rebuild ends a rebuild in parts', () => {
    const { clock, source, cache } = setup();
    for (const id of ['a', 'b', 'c']) cache.invalidate(source.put(inst(id, `${id}1`)));
    clock.t += 1_000;
    cache.rebuild(0);
    expect(cache.rebuilding).toBe(true);
    cache.rebuild();
    expect(cache.rebuilding).toBe(false);
    expect(cache.hasDirty).toBe(false);
  });

  it('rebuildServices rebuilds only the named dirty services', () => {
    const { clock, source, cache } = setup();
    cache.invalidate(source.put(inst('a', 'a1')));
    cache.invalidate(source.put(inst('b', 'b1')));
    const builds = source.builds;
    clock.t += 1_000;
    expect(cache.rebuildServices(['b', 'c'])).toBe(true);
    expect(source.builds).toBe(builds + 1);
    expect(cache.isDirty('a')).toBe(true);
    expect(cache.isDirty('b')).toBe(false);
    expect(cache.service('b')).toBeDefined();
    expect(cache.service('a')).toBeUndefined();
    expect(cache.rebuildServices(['b'])).toBe(false);
    expect(source.builds).toBe(builds + 1);
  });

  it('leaves unregistered instances out of the snapshot before, without a build or a serialisation, while nothing else changed the service', () => {
    const { clock, source, cache } = setup();
    const fleet = Array.from({ length: 100 }, (_, i) => inst('big', `b${i}`));
    for (const x of fleet) cache.invalidate(source.put(x));
    cache.invalidate(source.put(inst('other', 'o1')));
    clock.t += 1_000;
    cache.rebuild();
    const v0 = cache.version;
    const builds = source.builds;
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      // one batch: two instances of a service of 100, and the only instance of another
      for (const x of [fleet[3]!, fleet[70]!]) cache.invalidateRemoval(source.drop('big', x.instanceId!), x);
      cache.invalidateRemoval(source.drop('other', 'o1'), cache.service('other')!.service.instances![0]!);
      clock.t += 1_000;
      expect(cache.rebuildServices(['big', 'other'])).toBe(true);
      expect(stringify).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
    }
    expect(source.builds).toBe(builds);
    expect(cache.stats.removalSnapshots).toBe(2);
    expect(cache.isDirty('big')).toBe(false);
    expect(cache.service('other')).toBeUndefined();
    const rest = fleet.filter((_, i) => i !== 3 && i !== 70);
    expect(cache.service('big')!.responseBody().bytes.toString()).toBe(JSON.stringify({ responseStatus: JSON.parse(SUCCESS_JSON) as unknown, service: makeService('big', rest) }));
    expect(JSON.parse(cache.servicesBody().bytes.toString())).toMatchObject({ services: [{ serviceId: 'big' }] });
    const delta = deltaOf(cache, v0).delta;
    expect(delta.big!.map((c) => [c.changeType, c.instance.instanceId])).toEqual([['delete', 'b3'], ['delete', 'b70']]);
    expect(delta.other!.map((c) => [c.changeType, c.instance.instanceId])).toEqual([['delete', 'o1']]);

    // a later rebuild of the service starts from the snapshot made by the removal
    cache.invalidate(source.put(inst('big', 'b100')));
    clock.t += 1_000;
    cache.rebuild();
    expect(JSON.parse(cache.service('big')!.fragment.toString())).toEqual(JSON.parse(JSON.stringify(makeService('big', [...rest, inst('big', 'b100')]))));
  });

  it('builds a service after a removal when something else changed it too, or when the rest of it may depend on the removed instances', () => {
    const { clock, source, cache } = setup();
    const [a, b, c] = ['a1', 'a2', 'a3'].map((id) => inst('a', id));
    for (const x of [a!, b!, c!]) cache.invalidate(source.put(x));
    clock.t += 1_000;
    cache.rebuild();
    let builds = source.builds;
    // a removal, then a registration in the same job
    cache.invalidateRemoval(source.drop('a', 'a1'), a!);
    cache.invalidate(source.put(inst('a', 'a4')));
    clock.t += 1_000;
    cache.rebuildServices(['a']);
    expect(source.builds).toBe(++builds);
    // a registration waiting for the window, then a removal
    cache.invalidate(source.put(inst('a', 'a5')));
    cache.invalidateRemoval(source.drop('a', 'a2'), b!);
    clock.t += 1_000;
    cache.rebuildServices(['a']);
    expect(source.builds).toBe(++builds);
    // the source says the rest of the service may change
    source.keepsRest = false;
    cache.invalidateRemoval(source.drop('a', 'a3'), c!);
    clock.t += 1_000;
    cache.rebuildServices(['a']);
    expect(source.builds).toBe(++builds);
    expect(cache.stats.removalSnapshots).toBe(0);
    expect(JSON.parse(cache.service('a')!.fragment.toString())).toMatchObject({ instances: [{ instanceId: 'a4' }, { instanceId: 'a5' }] });
  });
});

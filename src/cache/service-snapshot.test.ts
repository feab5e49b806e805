import { describe, expect, it, vi } from 'vitest';
import { instanceKey, makeInstance, sameInstance, type Instance } from '../core/wire/instance.js';
import { makeService, type Service } from '../core/wire/service.js';
import { ServiceSnapshot, type MemberTransition } from './service-snapshot.js';
import { SUCCESS_JSON, serviceJson } from './wire-json.js';

const inst = (id: string, extra: Partial<Instance> = {}) =>
  makeInstance({ regionId: 'SHA', zoneId: 'sha-z1', serviceId: 'demo.snap', instanceId: id, ip: '10.0.0.1', port: 80, protocol: 'http', status: 'up', url: `http://${id}`, metadata: { n: 'ü' }, ...extra });

/** The transitions by brute force: every identity compared by JSON. */
function naive(before: readonly Instance[], after: readonly Instance[]): Map<string, MemberTransition> {
  const b = new Map(before.map((x) => [instanceKey(x), x]));
  const a = new Map(after.map((x) => [instanceKey(x), x]));
  const out = new Map<string, MemberTransition>();
  for (const [k, x] of b) if (!a.has(k) || !sameInstance(x, a.get(k)!)) out.set(k, { before: x, after: a.get(k) ?? null });
  for (const [k, x] of a) if (!b.has(k)) out.set(k, { before: null, after: x });
  return out;
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let t = seed;
  return () => {
    t = (t + 0x6d2b79f5) | 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ServiceSnapshot', () => {
  it('encodes exactly JSON.stringify of the service and finds the changed instances, over random edits', () => {
    const next = random(7);
    let list: Instance[] = [];
    let prev: ServiceSnapshot | undefined;
    let seq = 0;
    for (let step = 0; step < 400; step++) {
      const before = list;
      list = [...list];
      const edits = 1 + Math.floor(next() * 4);
      for (let e = 0; e < edits; e++) {
        const r = next();
        const at = Math.floor(next() * list.length);
        if (r < 0.35 || list.length === 0) list.push(inst(`i-${seq++}`));
        else if (r < 0.55) list.splice(at, 1);
        else if (r < 0.75) list[at] = inst(list[at]!.instanceId!, { status: next() < 0.5 ? 'down' : 'up' });
        else if (r < 0.85) list[at] = inst(list[at]!.instanceId!, { status: list[at]!.status }); // same data, new object
        else list.reverse();
      }
      const service = makeService('demo.snap', list);
      const snap = new ServiceSnapshot('demo.snap', service, step + 1, prev);
      expect(snap.fragment.toString()).toBe(JSON.stringify(service));
      expect(snap.fragment.toString()).toBe(serviceJson(service));
      expect(snap.transitionsFrom(prev)).toEqual(naive(before, list));
      expect(snap.listed).toBe(list.length > 0);
      prev = snap;
    }
  });

  it('keeps the version and body of the snapshot it repeats', () => {
    const a = new ServiceSnapshot('demo.snap', makeService('demo.snap', [inst('x')]), 5);
    const body = a.responseBody();
    const b = new ServiceSnapshot('demo.snap', makeService('demo.snap', [inst('x')]), 9, a).sameAs(a);
    expect(b.version).toBe(5);
    expect(b.responseBody()).toBe(body);
    expect(b.responseBody().etag).toBe('W/"5"');
  });

  it('encodes a service without an instance list, and one with null entries', () => {
    const bare = makeService('demo.snap');
    expect(new ServiceSnapshot('demo.snap', bare, 1).fragment.toString()).toBe(JSON.stringify(bare));
    // a wire service may carry null entries
    const holes = { ...makeService('demo.snap', [inst('a')]), instances: [inst('a'), null, inst('b')] } as unknown as Service;
    const first = new ServiceSnapshot('demo.snap', holes, 1);
    expect(first.fragment.toString()).toBe(JSON.stringify(holes));
    expect(new ServiceSnapshot('demo.snap', holes, 2, first).fragment.toString()).toBe(JSON.stringify(holes));
  });

  it('leaves removed instances out without serialising any, over random removals, reads and rebuilds', () => {
    const next = random(11);
    let seq = 0;
    let list: Instance[] = Array.from({ length: 60 }, () => inst(`i-${seq++}`));
    let snap = new ServiceSnapshot('demo.snap', makeService('demo.snap', list), 1);
    let stringify = vi.spyOn(JSON, 'stringify');
    try {
      for (let step = 0; step < 400; step++) {
        const before = list;
        const version = step + 2;
        if (next() < 0.75 && list.length > 0) {
          const gone = new Set<Instance>();
          const count = 1 + Math.floor(next() * 3);
          for (let k = 0; k < count; k++) gone.add(list[Math.floor(next() * list.length)]!);
          stringify.mockClear();
          snap = snap.without([...gone], version)!;
          list = list.filter((x) => !gone.has(x));
          // sometimes read before the next removal (its bytes are laid out then), sometimes not
          const text = next() < 0.3 ? snap.fragment.toString() : undefined;
          expect(stringify).not.toHaveBeenCalled();
          if (text !== undefined) expect(text).toBe(serviceJson(makeService('demo.snap', list)));
          expect(snap.version).toBe(version);
        } else {
          // a registration: the next snapshot is built on the one made by removals
          if (next() < 0.5 || list.length === 0) list = [...list, inst(`i-${seq++}`)];
          else list = list.map((x, i) => (i === 0 ? inst(x.instanceId!, { status: 'down' }) : x));
          const built = new ServiceSnapshot('demo.snap', makeService('demo.snap', list), version, snap);
          stringify.mockRestore();
          expect(built.transitionsFrom(snap)).toEqual(naive(before, list));
          stringify = vi.spyOn(JSON, 'stringify');
          snap = built;
        }
        expect(snap.size).toBe(list.length);
      }
    } finally {
      vi.restoreAllMocks();
    }
    const service = makeService('demo.snap', list);
    expect(snap.fragment.toString()).toBe(JSON.stringify(service));
    expect(snap.responseBody().bytes.toString()).toBe(`{"responseStatus":${SUCCESS_JSON},"service":${JSON.stringify(service)}}`);
    expect(snap.service).toEqual(service);
  });

  it('declines to leave out an instance it does not list by identity', () => {
    const a = inst('a');
    const snap = new ServiceSnapshot('demo.snap', makeService('demo.snap', [a, inst('b')]), 1);
    expect(snap.without([inst('a')], 2)).toBeUndefined();
    const without = snap.without([a], 2)!;
    expect(without.without([a], 3)).toBeUndefined();
    expect(JSON.parse(without.responseBody().bytes.toString())).toMatchObject({ service: { instances: [{ instanceId: 'b' }] } });
    expect(without.responseBody().etag).toBe('W/"2"');
  });

  it('keeps every snapshot of a chain of removals as it was: a refused removal marks nothing, a removal from an older one branches off', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => inst(id));
    const ids = (snap: ServiceSnapshot) => (JSON.parse(snap.fragment.toString()) as Service).instances!.map((x) => x.instanceId);
    const base = new ServiceSnapshot('demo.snap', makeService('demo.snap', [a!, b!, c!, d!]), 1);
    const one = base.without([b!], 2)!;
    // listed twice, or an instance listed here and one that is not: refused, and nothing left out
    expect(one.without([c!, c!], 3)).toBeUndefined();
    expect(one.without([c!, inst('x')], 3)).toBeUndefined();
    const two = one.without([c!], 3)!;
    // from the older snapshot again: its own chain from there, the newer one untouched
    const other = one.without([d!], 4)!;
    expect(other.without([c!, b!], 5)).toBeUndefined();
    const three = two.without([a!], 5)!;
    expect([ids(base), ids(one), ids(two), ids(other), ids(three)]).toEqual([['a', 'b', 'c', 'd'], ['a', 'c', 'd'], ['a', 'd'], ['a', 'c'], ['d']]);
    expect([one.size, two.size, other.size, three.size]).toEqual([3, 2, 2, 1]);
    expect(three.service.instances!.map((x) => x.instanceId)).toEqual(['d']);
  });
});

import { describe, expect, it } from 'vitest';
import { instanceComparer, makeInstance, readInstance, sameInstance, type Instance } from './instance.js';

const base = (): Instance =>
  makeInstance({ regionId: 'sha', zoneId: 'z1', serviceId: 'svc', instanceId: 'i1', url: 'http://10.0.0.1:80', port: 80, metadata: { a: '1', b: '2' } });

/** `base()` with changes applied to a fresh copy (keys kept in table order). */
function variant(change: (i: Record<string, unknown>) => void): Instance {
  const i = base() as unknown as Record<string, unknown>;
  change(i);
  return i as unknown as Instance;
}

const withMetadata = (metadata: unknown) => variant((i) => (i['metadata'] = metadata));
const ONE = base();

/** Pairs whose JSON texts are equal or differ; the comparer must agree with the text in each. */
const PAIRS: Array<[string, Instance, Instance]> = [
  ['the same data in two objects', base(), base()],
  ['one object with itself', ONE, ONE],
  ['a field that differs', base(), variant((i) => (i['status'] = 'down'))],
  ['a port that differs', base(), variant((i) => (i['port'] = 81))],
  ['a field present with undefined and the field absent', variant((i) => (i['status'] = undefined)), variant((i) => delete i['status'])],
  ['a field null and the field absent', base(), variant((i) => delete i['status'])],
  ['a field null and the field undefined', base(), variant((i) => (i['status'] = undefined))],
  ['a metadata entry present with undefined and the entry absent', withMetadata({ a: '1', b: '2', c: undefined }), base()],
  ['an undefined metadata entry first', withMetadata({ c: undefined, a: '1', b: '2' }), base()],
  ['undefined entries on both sides at different places', withMetadata({ a: '1', x: undefined, b: '2' }), withMetadata({ a: '1', b: '2', y: undefined })],
  ['a metadata entry null and the entry absent', withMetadata({ a: '1', b: '2', c: null }), base()],
  ['metadata entries in another order', withMetadata({ b: '2', a: '1' }), base()],
  ['a metadata value that differs', withMetadata({ a: '1', b: '3' }), base()],
  ['metadata null and metadata empty', withMetadata(null), withMetadata({})],
  ['metadata undefined and metadata null', withMetadata(undefined), withMetadata(null)],
  ['metadata undefined and metadata empty', withMetadata(undefined), withMetadata({})],
  ['metadata undefined and metadata absent', withMetadata(undefined), variant((i) => delete i['metadata'])],
  ['metadata of only undefined entries and metadata empty', withMetadata({ c: undefined }), withMetadata({})],
  ['prototype-less metadata as the reader builds it', readInstance(JSON.parse(JSON.stringify(base())), 'instance')!, base()],
];

describe('sameInstance', () => {
  it.each(PAIRS)('agrees with the JSON text: %s', (_name, a, b) => {
    const sameText = JSON.stringify(a) === JSON.stringify(b);
    expect(sameInstance(a, b)).toBe(sameText);
    expect(sameInstance(b, a)).toBe(sameText);
  });

  it('counts a field or a metadata entry holding undefined as absent, as the wire form does', () => {
    expect(sameInstance(variant((i) => (i['status'] = undefined)), variant((i) => delete i['status']))).toBe(true);
    expect(sameInstance(withMetadata({ a: '1', b: '2', c: undefined }), base())).toBe(true);
  });

  it('tells null from absent, as the wire form does', () => {
    expect(sameInstance(base(), variant((i) => delete i['status']))).toBe(false);
    expect(sameInstance(withMetadata({ a: '1', b: '2', c: null }), base())).toBe(false);
  });
});

describe('sameInstance without code generation', () => {
  const compiled = instanceComparer(true);
  const plain = instanceComparer(false);

  it.each(PAIRS)('gives the compiled answer: %s', (_name, a, b) => {
    expect(plain(a, b)).toBe(compiled(a, b));
    expect(plain(b, a)).toBe(compiled(b, a));
  });

  it('is the compiled one in this test process, which allows code generation', () => {
    expect(sameInstance.toString()).toContain('a.serviceId === b.serviceId');
  });
});

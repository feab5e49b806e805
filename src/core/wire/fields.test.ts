import { describe, expect, it } from 'vitest';
import { codeGenerationAllowed } from '../code-generation.js';
import { codecOf } from './fields.js';
import { INSTANCE_FIELDS } from './instance.js';

/** Both codecs of the instance table: the compiled one and the plain one a process refusing code generation uses. */
const compiled = codecOf(INSTANCE_FIELDS, true);
const plain = codecOf(INSTANCE_FIELDS, false);

/** What a read gives, or the failure it throws: its class and text. */
function outcome(read: () => unknown): unknown {
  try {
    const value = read();
    return { value, keys: Object.keys(value as object), json: JSON.stringify(value) };
  } catch (e) {
    return { failure: (e as Error).constructor.name, message: (e as Error).message };
  }
}

const READS: Array<[string, unknown]> = [
  ['an empty object', {}],
  ['every field as the table spells it', { groupId: 'g', healthCheckUrl: 'h', instanceId: 'i', ip: '1.2.3.4', machineName: 'm', metadata: { a: '1' }, port: 80, protocol: 'http', regionId: 'SHA', serviceId: 's', status: 'up', url: 'u', zoneId: 'z' }],
  ['names in other cases and order', { ZONEID: 'z', ServiceId: 's', instanceid: 'i', PORT: 8080 }],
  ['the same field twice, spelled differently', { serviceId: 'first', SERVICEID: 'second', serviceid: 'third' }],
  ['unknown and prototype names', { extra: 1, __proto__: 'x', constructor: 'y', toString: 'z' }],
  ['scalars the readers coerce', { port: '8080', serviceId: 42, status: true, instanceId: null }],
  ['a fractional port', { port: 80.9 }],
  ['metadata with scalars and null values', { metadata: { a: 1, b: null, c: true, __proto__: 'p' } }],
  ['metadata null', { metadata: null }],
  ['a port out of range', { port: 2 ** 31 }],
  ['a port that is not a number', { port: 'eighty' }],
  ['a string field holding an object', { serviceId: { nested: true } }],
  ['metadata that is an array', { metadata: ['a'] }],
  ['a metadata value that is an object', { metadata: { a: { b: 1 } } }],
];

describe('instance codec without code generation', () => {
  it('this test process allows code generation, so the compiled codec is the one in use', () => {
    expect(codeGenerationAllowed).toBe(true);
  });

  it.each(READS)('reads %s as the compiled reader does', (_name, raw) => {
    const parsed = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
    const expected = outcome(() => compiled.read(parsed, 'instance'));
    expect(outcome(() => plain.read(parsed, 'instance'))).toEqual(expected);
  });

  it('keeps a "__proto__" metadata key as data in both', () => {
    const raw = JSON.parse('{"metadata":{"__proto__":"p"}}') as Record<string, unknown>;
    for (const codec of [compiled, plain]) {
      const m = codec.read(raw, 'instance').metadata!;
      expect(Object.keys(m)).toEqual(['__proto__']);
      expect(Object.getPrototypeOf(m)).toBeNull();
    }
  });

  it.each([
    ['nothing', {}],
    ['some fields', { serviceId: 's', port: 9, metadata: { a: '1' } }],
    ['null and undefined, which take the defaults', { serviceId: null, port: undefined, metadata: undefined }],
  ])('makes an instance of %s as the compiled maker does', (_name, given) => {
    const a = compiled.make(given);
    const b = plain.make(given);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

import { describe, expect, it } from 'vitest';
import { INSTANCE_FIELDS, makeInstance } from '../core/wire/instance.js';
import { checkInstanceLimits, fieldLengthCheck } from './instance-limits.js';

const LIMITS = { maxInstancesPerRequest: 100, maxFieldLength: 8, maxMetadataEntries: 2, maxMetadataBytes: 10 };
const STRING_FIELDS = INSTANCE_FIELDS.filter((f) => f.kind === 'string').map((f) => f.name);

describe('instance field length check', () => {
  const compiled = fieldLengthCheck(true);
  const plain = fieldLengthCheck(false);

  it('finds the first field over the limit as the compiled check does, field by field', () => {
    const cases = [makeInstance({}), makeInstance({ serviceId: 's', url: 'u' })];
    for (const name of STRING_FIELDS) {
      cases.push(makeInstance({ [name]: 'x'.repeat(9) }));
      cases.push(makeInstance({ [name]: 'x'.repeat(8) }));
      cases.push(makeInstance({ [name]: 'x'.repeat(9), zoneId: 'y'.repeat(20), groupId: 'z'.repeat(20) }));
    }
    for (const instance of cases) expect(plain(instance, 8)).toBe(compiled(instance, 8));
    expect(plain(makeInstance({ ip: 'x'.repeat(9) }), 8)).toBe('ip');
    expect(plain(makeInstance({ ip: 'x'.repeat(9), groupId: 'x'.repeat(9) }), 8)).toBe('groupId');
    expect(plain(makeInstance({ ip: 'x'.repeat(9) }), 9)).toBeNull();
  });

  it('names the field and the limit in the problem', () => {
    expect(checkInstanceLimits(makeInstance({ url: 'http://far.away' }), LIMITS)).toEqual({
      limit: 'limits.maxFieldLength',
      message: 'instance.url is 15 characters long; the limit is 8 (limits.maxFieldLength)',
    });
  });
});

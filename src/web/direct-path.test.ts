import { describe, expect, it } from 'vitest';
import { queryOf } from './direct-path.js';

describe('the query reader of the direct path', () => {
  const cases = ['', 'serviceId=a&regionId=b&zoneId=c', 'a=1&a=2&b', '&&a=&=x&b==c&', 'a', 'a=%41&b=x+y', 'serviceId=%E2%82%AC', 'a=é&b=ü', 'x=1&X=2', 'a=1&&&a=3'];
  it.each(cases)('reads %j as URLSearchParams does', (search) => {
    const ours = queryOf(search);
    const reference = new URLSearchParams(search);
    for (const name of ['a', 'b', 'x', 'X', '', 'serviceId', 'regionId', 'zoneId', 'missing']) {
      expect(ours.get(name)).toBe(reference.get(name));
      expect(ours.getAll(name)).toEqual(reference.getAll(name));
    }
  });
});

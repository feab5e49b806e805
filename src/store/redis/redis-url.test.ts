import { describe, expect, it } from 'vitest';
import { StoreInputError } from '../store-errors.js';
import { redactStoreUrl } from '../store-url.js';
import { parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('reads one server, a Sentinel-watched primary and a Redis Cluster', () => {
    expect(parseRedisUrl('redis://:pw@h:6379/2')).toEqual({ mode: 'standalone', url: 'redis://:pw@h:6379/2' });
    expect(parseRedisUrl('redis+sentinel://u:p%40ss@s1:26380,s2,[::1]:26381/my%20master/3?sentinelPassword=sp')).toEqual({
      mode: 'sentinel',
      sentinels: [{ host: 's1', port: 26380 }, { host: 's2', port: 26379 }, { host: '::1', port: 26381 }],
      masterName: 'my master',
      db: 3,
      username: 'u',
      password: 'p@ss',
      sentinelPassword: 'sp',
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://:pw@n1:7000,n2')).toEqual({ mode: 'cluster', nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 6379 }], password: 'pw', tls: true });
  });

  it.each(['http://h:1', 'redis+sentinel://s1:26379', 'redis+sentinel://s1:26379/m/x', 'redis+sentinel://s1:99999/m', 'redis+cluster://n1:7000/0', 'redis+cluster://'])(
    'refuses %s',
    (url) => {
      expect(() => parseRedisUrl(url)).toThrow(StoreInputError);
    },
  );

  it('redacts passwords of multi-host URLs too', () => {
    expect(redactStoreUrl('redis+sentinel://u:secret@s1:1,s2:2/m?sentinelPassword=x&db=1')).toBe('redis+sentinel://u:***@s1:1,s2:2/m?sentinelPassword=***&db=1');
    expect(redactStoreUrl('redis://:secret@h:6379/0')).toBe('redis://:***@h:6379/0');
  });
});

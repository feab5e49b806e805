import { StoreInputError } from '../store-errors.js';
import { redactStoreUrl } from '../store-url.js';

/** One `host:port` of a Sentinel or Redis Cluster URL. */
export interface RedisAddress {
  host: string;
  port: number;
}

/** What a Redis store URL names: one server, a Sentinel-watched primary, or a Redis Cluster. */
export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | {
      mode: 'sentinel';
      sentinels: RedisAddress[];
      /** The name the sentinels monitor the primary under. */
      masterName: string;
      db: number;
      username?: string;
      password?: string;
      /** Password of the sentinels themselves (query parameter `sentinelPassword`). */
      sentinelPassword?: string;
      tls: boolean;
    }
  | { mode: 'cluster'; nodes: RedisAddress[]; username?: string; password?: string; tls: boolean };

/** The URL schemes a Redis store accepts. */
export const REDIS_SCHEMES = ['redis', 'rediss', 'redis+sentinel', 'rediss+sentinel', 'redis+cluster', 'rediss+cluster'] as const;

const MULTI = /^(rediss?)\+(sentinel|cluster):\/\/(?:([^@/?#]*)@)?([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?$/i;

function addresses(list: string, defaultPort: number, url: string): RedisAddress[] {
  return list.split(',').map((part) => {
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(part.trim());
    const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
    if (m === null || !(port >= 1 && port <= 65_535)) throw new StoreInputError(`Bad host:port "${part}" in ${redactStoreUrl(url)}`);
    return { host: decodeURIComponent(m[1] ?? m[2] ?? ''), port };
  });
}

function credentials(userInfo: string | undefined): { username?: string; password?: string } {
  if (userInfo === undefined || userInfo === '') return {};
  const at = userInfo.indexOf(':');
  const username = decodeURIComponent(at < 0 ? userInfo : userInfo.slice(0, at));
  const password = at < 0 ? undefined : decodeURIComponent(userInfo.slice(at + 1));
  return { ...(username === '' ? {} : { username }), ...(password === undefined ? {} : { password }) };
}

/**
 * Reads a Redis store URL:
 * - `redis://[user:pass@]host:port[/db]` or `rediss://…`: one server;
 * - `redis+sentinel://[user:pass@]host:port,host:port/<masterName>[/db][?sentinelPassword=…]`: the
 *   primary that these sentinels monitor (port 26379 when absent); the store follows failovers;
 * - `redis+cluster://[user:pass@]host:port,host:port`: a Redis Cluster, found through these nodes.
 * `rediss+…` connects with TLS.
 * @throws StoreInputError for anything else.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const m = MULTI.exec(url.trim());
  if (m === null) {
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') throw new StoreInputError(`Not a Redis URL: ${redactStoreUrl(url)}`);
    return { mode: 'standalone', url };
  }
  const [, scheme = '', mode = '', userInfo, hosts = '', path = '', query = ''] = m;
  const tls = scheme.toLowerCase() === 'rediss';
  const auth = credentials(userInfo);
  const params = new URLSearchParams(query);
  if (mode.toLowerCase() === 'cluster') {
    if (path !== '' && path !== '/') throw new StoreInputError(`A redis+cluster URL has no path (Redis Cluster has database 0 only): ${redactStoreUrl(url)}`);
    return { mode: 'cluster', nodes: addresses(hosts, 6379, url), ...auth, tls };
  }
  const [masterName = '', db = '0', ...rest] = path.replace(/^\//, '').split('/');
  if (masterName === '' || rest.length > 0 || !/^\d{1,2}$/.test(db)) {
    throw new StoreInputError(`A redis+sentinel URL needs the monitored name and at most a database, as in redis+sentinel://h1:26379,h2:26379/mymaster/0: ${redactStoreUrl(url)}`);
  }
  const sentinelPassword = params.get('sentinelPassword');
  return {
    mode: 'sentinel',
    sentinels: addresses(hosts, 26379, url),
    masterName: decodeURIComponent(masterName),
    db: Number(db),
    ...auth,
    ...(sentinelPassword === null ? {} : { sentinelPassword }),
    tls,
  };
}

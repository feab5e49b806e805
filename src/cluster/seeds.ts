import { promises as dns } from 'node:dns';
import { normalizePeerUrl } from './static-peers.js';

/** Resolves DNS names; replaceable in tests. */
export interface SeedResolver {
  /** IPv4 (or IPv6) addresses of a name. */
  addresses(host: string): Promise<string[]>;
  /** SRV targets of a name. */
  srv(name: string): Promise<Array<{ name: string; port: number }>>;
}

export const systemResolver: SeedResolver = {
  async addresses(host) {
    const found = await dns.lookup(host, { all: true });
    return found.map((a) => (a.family === 6 ? `[${a.address}]` : a.address));
  },
  async srv(name) {
    return (await dns.resolveSrv(name)).map((r) => ({ name: r.name, port: r.port }));
  },
};

/** A seed as configured: a peer URL, or a DNS name to expand. */
export type Seed =
  | { kind: 'url'; url: string }
  | { kind: 'dns'; host: string; port: number; path: string; scheme: string }
  | { kind: 'srv'; name: string; path: string; scheme: string };

/** Reads one `cluster.seeds` entry; throws RangeError on an unusable one. */
export function parseSeed(text: string): Seed {
  const raw = text.trim();
  const m = /^(dns|srv)(\+https?)?:\/\/([^/:]+)(?::(\d+))?(\/.*)?$/i.exec(raw);
  if (m !== null) {
    const scheme = (m[2] ?? '+http').slice(1).toLowerCase();
    const path = (m[5] ?? '').replace(/\/+$/, '');
    if ((m[1] as string).toLowerCase() === 'srv') return { kind: 'srv', name: m[3] as string, path, scheme };
    const port = m[4] === undefined ? 8080 : Number(m[4]);
    if (port < 1 || port > 65_535) throw new RangeError(`seed ${raw}: bad port`);
    return { kind: 'dns', host: m[3] as string, port, path, scheme };
  }
  if (/^https?:\/\/[^/]+/i.test(raw)) return { kind: 'url', url: normalizePeerUrl(raw) };
  throw new RangeError(`seed "${raw}": expected http(s)://host:port, dns://name:port or srv://name`);
}

/** Expands seeds to peer URLs; a name that does not resolve contributes nothing (and is reported). */
export async function resolveSeeds(
  seeds: readonly Seed[],
  resolver: SeedResolver,
  onError: (seed: Seed, err: unknown) => void,
): Promise<string[]> {
  const out = new Set<string>();
  await Promise.all(
    seeds.map(async (seed) => {
      try {
        if (seed.kind === 'url') out.add(seed.url);
        else if (seed.kind === 'dns') {
          for (const a of await resolver.addresses(seed.host)) out.add(`${seed.scheme}://${a}:${seed.port}${seed.path}`);
        } else {
          for (const r of await resolver.srv(seed.name)) out.add(`${seed.scheme}://${r.name.replace(/\.$/, '')}:${r.port}${seed.path}`);
        }
      } catch (err) {
        onError(seed, err);
      }
    }),
  );
  return [...out];
}

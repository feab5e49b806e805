import { describe, expect, it } from 'vitest';
import { parseSeed, resolveSeeds, type SeedResolver } from './seeds.js';

const resolver: SeedResolver = {
  addresses: (host) =>
    host === 'artemis-headless.prod.svc' ? Promise.resolve(['10.0.0.1', '10.0.0.2']) : Promise.reject(new Error(`ENOTFOUND ${host}`)),
  srv: (name) =>
    Promise.resolve(name === '_http._tcp.artemis' ? [{ name: 'artemis-0.artemis.', port: 8080 }, { name: 'artemis-1.artemis.', port: 8081 }] : []),
};

describe('seeds', () => {
  it('parses URLs, dns:// and srv:// seeds', () => {
    expect(parseSeed(' http://10.0.0.5:8080/ ')).toEqual({ kind: 'url', url: 'http://10.0.0.5:8080' });
    expect(parseSeed('dns://artemis-headless:9000/artemis')).toEqual({ kind: 'dns', host: 'artemis-headless', port: 9000, path: '/artemis', scheme: 'http' });
    expect(parseSeed('dns+https://a')).toEqual({ kind: 'dns', host: 'a', port: 8080, path: '', scheme: 'https' });
    expect(parseSeed('srv://_http._tcp.artemis')).toEqual({ kind: 'srv', name: '_http._tcp.artemis', path: '', scheme: 'http' });
    expect(() => parseSeed('artemis:8080')).toThrow(RangeError);
    expect(() => parseSeed('dns://a:70000')).toThrow(RangeError);
  });

  it('expands DNS seeds to one URL per record and reports names that do not resolve', async () => {
    const failed: string[] = [];
    const urls = await resolveSeeds(
      ['http://10.0.0.1:8080', 'dns://artemis-headless.prod.svc:8080', 'srv://_http._tcp.artemis', 'dns://missing:1'].map(parseSeed),
      resolver,
      (seed) => failed.push(JSON.stringify(seed)),
    );
    expect(urls.sort()).toEqual(['http://10.0.0.1:8080', 'http://10.0.0.2:8080', 'http://artemis-0.artemis:8080', 'http://artemis-1.artemis:8081']);
    expect(failed).toHaveLength(1);
  });
});

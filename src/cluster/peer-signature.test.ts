import { describe, expect, it } from 'vitest';
import { bodyDigest, keyBytes, PEER_HEADERS, PeerSigner, PeerVerifier, type VerifierSettings } from './peer-signature.js';

const KEY = keyBytes('k'.repeat(32));
const OTHER = keyBytes('o'.repeat(32));
const URL_ = 'http://10.0.0.2:8080/api/replication/registry/register.json';
const REQ = { method: 'POST', host: '10.0.0.2:8080', target: '/api/replication/registry/register.json', body: '{"instances":[]}' };

function clockAt(t: number) {
  const clock = { t, now: () => clock.t };
  return clock;
}

function verifier(clock: { now(): number }, settings: Partial<VerifierSettings> = {}) {
  return new PeerVerifier({ keys: [KEY], maxClockSkewMs: 30_000, nonceCacheSize: 1_000, ...settings }, clock);
}

const reader = (headers: Record<string, string>) => (name: string) => headers[name];

describe('signed peer calls', () => {
  it('accepts a call signed with the key once, and refuses its replay', () => {
    const clock = clockAt(1_000_000);
    const h = new PeerSigner(KEY, clock).headers('POST', URL_, REQ.body);
    expect(Object.keys(h).sort()).toEqual(Object.values(PEER_HEADERS).sort());
    const v = verifier(clock);
    expect(v.verify(REQ, reader(h))).toBeNull();
    expect(v.verify(REQ, reader(h))).toBe('replayed');
  });

  it('covers method, host, path and query, and the body bytes', () => {
    const clock = clockAt(1_000_000);
    const signer = new PeerSigner(KEY, clock);
    const v = verifier(clock);
    const changed = [
      { ...REQ, method: 'GET' },
      { ...REQ, host: '10.0.0.3:8080' },
      { ...REQ, target: '/api/replication/registry/unregister.json' },
      { ...REQ, target: `${REQ.target}?x=1` },
      { ...REQ, body: '{"instances":[{}]}' },
    ];
    for (const req of changed) expect(v.verify(req, reader(signer.headers('POST', URL_, REQ.body)))).toBe('bad-signature');
    expect(v.verify(REQ, reader(signer.headers('POST', URL_, Buffer.from(REQ.body))))).toBeNull();
  });

  it('refuses a wrong key, missing or malformed headers, and stale or future timestamps', () => {
    const clock = clockAt(1_000_000);
    const v = verifier(clock);
    expect(v.verify(REQ, reader(new PeerSigner(OTHER, clock).headers('POST', URL_, REQ.body)))).toBe('bad-signature');
    expect(v.verify(REQ, reader({}))).toBe('unsigned');
    const good = new PeerSigner(KEY, clock).headers('POST', URL_, REQ.body);
    expect(v.verify(REQ, reader({ ...good, [PEER_HEADERS.nonce]: 'short' }))).toBe('malformed');
    expect(v.verify(REQ, reader({ ...good, [PEER_HEADERS.timestamp]: '1e9' }))).toBe('malformed');
    expect(v.verify(REQ, reader({ ...good, [PEER_HEADERS.signature]: 'v0=abc' }))).toBe('malformed');
    for (const t of [clock.t - 30_001, clock.t + 30_001]) {
      expect(v.verify(REQ, reader(new PeerSigner(KEY, clockAt(t)).headers('POST', URL_, REQ.body)))).toBe('stale');
    }
    expect(v.verify(REQ, reader(new PeerSigner(KEY, clockAt(clock.t - 30_000)).headers('POST', URL_, REQ.body)))).toBeNull();
  });

  it('accepts previous keys during a rotation; an unkeyed signer adds nothing', () => {
    const clock = clockAt(5);
    const v = new PeerVerifier({ keys: [KEY, OTHER], maxClockSkewMs: 30_000, nonceCacheSize: 10 }, clock);
    expect(v.verify(REQ, reader(new PeerSigner(OTHER, clock).headers('POST', URL_, REQ.body)))).toBeNull();
    expect(new PeerSigner(null, clock).headers('POST', URL_, REQ.body)).toEqual({});
    expect(bodyDigest(null)).toBe(bodyDigest(''));
  });

  it('remembers nonces for twice the skew, within a bounded cache that refuses when full', () => {
    const clock = clockAt(1_000_000);
    const signer = new PeerSigner(KEY, clock);
    const v = verifier(clock, { nonceCacheSize: 1_000, maxClockSkewMs: 1_000 });
    const first = signer.headers('POST', URL_, REQ.body);
    expect(v.verify(REQ, reader(first))).toBeNull();
    for (let i = 1; i < 1_000; i++) expect(v.verify(REQ, reader(signer.headers('POST', URL_, REQ.body)))).toBeNull();
    expect(v.remembered).toBe(1_000);
    expect(v.verify(REQ, reader(signer.headers('POST', URL_, REQ.body)))).toBe('busy');
    // A refused call with a wrong key is not remembered.
    expect(v.verify(REQ, reader(new PeerSigner(OTHER, clock).headers('POST', URL_, REQ.body)))).toBe('bad-signature');
    clock.t += 2_000;
    // Forgotten now, but the timestamp alone refuses the replay.
    expect(v.verify(REQ, reader(first))).toBe('stale');
    expect(v.verify(REQ, reader(signer.headers('POST', URL_, REQ.body)))).toBeNull();
    expect(v.remembered).toBe(1);
  });
});

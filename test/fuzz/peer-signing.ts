import { keyBytes, PEER_HEADERS, PeerSigner } from '../../src/cluster/peer-signature.js';
import type { Clock } from '../../src/core/clock.js';
import type { FuzzCase } from './cases.js';

/**
 * How a case of a peer-only endpoint is signed: as a real peer does (`signed`), not at all, or in
 * one of the ways a verifier must refuse: another key, a signature over other bytes than those
 * sent, a timestamp outside the clock skew, garbled headers, a request seen before (resent
 * verbatim), or a signature for another node's Host.
 */
export type PeerSigning = 'signed' | 'unsigned' | 'wrong-key' | 'tampered' | 'stale' | 'malformed' | 'replayed' | 'other-host';

export const BAD_SIGNINGS: readonly PeerSigning[] = ['wrong-key', 'tampered', 'stale', 'malformed', 'replayed', 'other-host'];

const OTHER_KEY = 'another-cluster-key-fedcba9876543210fedcba98';
const OTHER_HOST = '10.255.0.9:8080';
const GARBLED: ReadonlyArray<Record<string, string>> = [
  { [PEER_HEADERS.timestamp]: 'yesterday', [PEER_HEADERS.nonce]: 'AAAAAAAAAAAAAAAAAAAAAA', [PEER_HEADERS.signature]: 'v1=AAAA' },
  { [PEER_HEADERS.timestamp]: '1', [PEER_HEADERS.nonce]: 'short', [PEER_HEADERS.signature]: 'v1=AAAA' },
  { [PEER_HEADERS.timestamp]: '1', [PEER_HEADERS.nonce]: 'AAAAAAAAAAAAAAAAAAAAAA', [PEER_HEADERS.signature]: 'v2=AAAA' },
  { [PEER_HEADERS.signature]: 'v1=' },
];

/**
 * Signs the peer-only cases of a run with the cluster key of the node under fuzz, against its
 * clock; remembers the last correctly signed request so a `replayed` case can resend it.
 */
export class CaseSigner {
  private readonly signer: PeerSigner;
  private readonly otherKey: PeerSigner;
  private readonly stale: PeerSigner;
  private lastSigned: FuzzCase | undefined;

  constructor(key: string, private readonly origin: string, clock: Clock, maxClockSkewMs: number) {
    this.signer = new PeerSigner(keyBytes(key), clock);
    this.otherKey = new PeerSigner(keyBytes(OTHER_KEY), clock);
    this.stale = new PeerSigner(keyBytes(key), { now: () => clock.now() - 2 * maxClockSkewMs });
  }

  /** The request to send for `c`: unchanged when it is not a peer call or unsigned; a `replayed` case resends the last signed request. */
  sign(c: FuzzCase): FuzzCase {
    const mode = c.peer;
    if (mode === undefined || mode === 'unsigned') return c;
    if (mode === 'replayed') return this.lastSigned === undefined ? this.with(c, this.signer.headers(c.method, this.url(c.path), c.body ?? null), true) : { ...this.lastSigned, id: c.id, peer: mode };
    if (mode === 'malformed') return this.with(c, GARBLED[c.id % GARBLED.length]!);
    const body = c.body ?? null;
    switch (mode) {
      case 'signed':
        return this.with(c, this.signer.headers(c.method, this.url(c.path), body), true);
      case 'wrong-key':
        return this.with(c, this.otherKey.headers(c.method, this.url(c.path), body));
      case 'stale':
        return this.with(c, this.stale.headers(c.method, this.url(c.path), body));
      case 'tampered':
        // signed over other bytes (or another target) than those sent
        return this.with(c, c.id % 2 === 0 ? this.signer.headers(c.method, this.url(c.path), Buffer.concat([body ?? Buffer.alloc(0), Buffer.from(' ')])) : this.signer.headers(c.method, this.url(`${c.path}${c.path.includes('?') ? '&' : '?'}x=1`), body));
      case 'other-host': {
        const sent = this.with(c, this.signer.headers(c.method, `http://${OTHER_HOST}${c.path}`, body));
        return { ...sent, headers: [...sent.headers, ['host', OTHER_HOST]] };
      }
    }
  }

  private url(path: string): string {
    return `${this.origin}${path}`;
  }

  private with(c: FuzzCase, headers: Record<string, string>, remember = false): FuzzCase {
    const sent = { ...c, headers: [...c.headers, ...Object.entries(headers)] };
    if (remember) this.lastSigned = sent;
    return sent;
  }
}

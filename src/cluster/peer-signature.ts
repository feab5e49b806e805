import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';

/**
 * The signed peer protocol. Every call between nodes (gossip, replication, anti-entropy, the
 * start-up copy, status polls) carries three headers:
 *
 *   x-artemis-peer-timestamp   the sender's clock, ms since the epoch
 *   x-artemis-peer-nonce       16 random bytes, base64url
 *   x-artemis-peer-signature   v1=<base64url HMAC-SHA256(cluster key, canonical text)>
 *
 * The canonical text is, one per line: `artemis-peer-v1`, the method, the Host the request is
 * addressed to (lower-cased), the request target (path and query as sent), the timestamp, the
 * nonce and the base64url SHA-256 of the body bytes as sent (gzip bytes for replication). The
 * receiver refuses a call whose timestamp is more than `maxClockSkewMs` away from its clock, whose
 * signature matches none of its keys, whose Host is not one of its own names (a call captured on
 * its way to another node cannot be replayed here), or whose nonce it has already accepted: nonces
 * are remembered for twice the skew, after which the timestamp alone refuses the call.
 */
export const PEER_HEADERS = {
  timestamp: 'x-artemis-peer-timestamp',
  nonce: 'x-artemis-peer-nonce',
  signature: 'x-artemis-peer-signature',
} as const;

const PREFIX = 'v1=';

/** The parts of a request the signature covers. */
export interface SignedRequest {
  method: string;
  /** The Host header: `host[:port]` as the sender addressed the receiver. */
  host: string;
  /** Path and query string, as on the request line. */
  target: string;
  body: Uint8Array | string | null;
}

/** The SHA-256 of a body, base64url; an absent body counts as empty. */
export function bodyDigest(body: Uint8Array | string | null): string {
  return createHash('sha256').update(body ?? '').digest('base64url');
}

function canonical(req: SignedRequest, timestamp: string, nonce: string): string {
  return ['artemis-peer-v1', req.method.toUpperCase(), req.host.toLowerCase(), req.target, timestamp, nonce, bodyDigest(req.body)].join('\n');
}

function mac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/** The key bytes of a configured cluster key (its UTF-8 text). */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

/** Signs outgoing peer calls with the cluster key; without a key it adds nothing (insecure mode). */
export class PeerSigner {
  constructor(
    private readonly key: Buffer | null,
    private readonly clock: Clock,
  ) {}

  get signs(): boolean {
    return this.key !== null;
  }

  /** The signature headers of a call of `method` to `url` with `body` (the exact bytes sent). */
  headers(method: string, url: string, body: Uint8Array | string | null): Record<string, string> {
    if (this.key === null) return {};
    const u = new URL(url);
    const timestamp = String(this.clock.now());
    const nonce = randomBytes(16).toString('base64url');
    const signature = mac(this.key, canonical({ method, host: u.host, target: `${u.pathname}${u.search}`, body }, timestamp, nonce));
    return { [PEER_HEADERS.timestamp]: timestamp, [PEER_HEADERS.nonce]: nonce, [PEER_HEADERS.signature]: PREFIX + signature.toString('base64url') };
  }
}

/** Why a call was refused. */
export type VerifyFailure = 'unsigned' | 'malformed' | 'stale' | 'bad-signature' | 'replayed' | 'busy';

export interface VerifierSettings {
  /** The cluster key first, then keys still accepted during a rotation. */
  keys: readonly Buffer[];
  maxClockSkewMs: number;
  /** Most nonces remembered at once; when full of unexpired ones, calls are refused (`busy`). */
  nonceCacheSize: number;
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP = /^\d{1,16}$/;

/**
 * Checks signed peer calls and remembers their nonces. A nonce is stored only after its
 * signature checked out, so only holders of the key can fill the cache; entries are kept in
 * arrival order with a forget time `2 × maxClockSkewMs` after arrival, so expired ones are
 * always at the front.
 */
export class PeerVerifier {
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly settings: VerifierSettings,
    private readonly clock: Clock,
  ) {}

  /** True when the call carries any of the signature headers. */
  static isSigned(header: (name: string) => string | undefined): boolean {
    return header(PEER_HEADERS.signature) !== undefined || header(PEER_HEADERS.timestamp) !== undefined || header(PEER_HEADERS.nonce) !== undefined;
  }

  /** Null when the call is signed with a known key, fresh and new; else why not. */
  verify(req: SignedRequest, header: (name: string) => string | undefined): VerifyFailure | null {
    const timestamp = header(PEER_HEADERS.timestamp);
    const nonce = header(PEER_HEADERS.nonce);
    const signature = header(PEER_HEADERS.signature);
    if (timestamp === undefined || nonce === undefined || signature === undefined) return 'unsigned';
    if (!TIMESTAMP.test(timestamp) || !NONCE.test(nonce) || !signature.startsWith(PREFIX)) return 'malformed';
    const now = this.clock.now();
    if (Math.abs(now - Number(timestamp)) > this.settings.maxClockSkewMs) return 'stale';
    const given = Buffer.from(signature.slice(PREFIX.length), 'base64url');
    const text = canonical(req, timestamp, nonce);
    const ok = this.settings.keys.some((key) => {
      const expected = mac(key, text);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!ok) return 'bad-signature';
    if (this.nonces.has(nonce)) return 'replayed';
    this.prune(now);
    if (this.nonces.size >= this.settings.nonceCacheSize) return 'busy';
    this.nonces.set(nonce, now + 2 * this.settings.maxClockSkewMs);
    return null;
  }

  /** Nonces remembered now (metrics, tests). */
  get remembered(): number {
    return this.nonces.size;
  }

  private prune(now: number): void {
    for (const [nonce, forgetAt] of this.nonces) {
      if (forgetAt > now) break;
      this.nonces.delete(nonce);
    }
  }
}

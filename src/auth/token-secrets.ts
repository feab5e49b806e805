import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A secret: a recognisable prefix and 256 random bits (base64url). */
const SECRET_PREFIX = 'art_';

export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A public token id: 48 random bits, hex. */
export function newTokenId(): string {
  return `tk_${randomBytes(6).toString('hex')}`;
}

/** SHA-256 of a secret, hex: the only form a secret is kept in. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests of the same length. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

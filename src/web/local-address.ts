import { networkInterfaces } from 'node:os';

/** First non-internal IPv4 address of this host, preferring private ranges; 127.0.0.1 if none. */
export function localIPv4(): string {
  const candidates: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) candidates.push(a.address);
  }
  const isPrivate = (ip: string) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip);
  return candidates.find(isPrivate) ?? candidates[0] ?? '127.0.0.1';
}

import { timingSafeEqual } from 'node:crypto';
import { CLUSTER_SECRET_HEADER } from '../cluster/peer-http.js';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import type { Guard, Refusal } from './middleware.js';
import { errorBody } from './respond.js';

export interface PeerAuthOptions {
  secret: string;
  /** Addresses allowed without the secret on the replication endpoints Java peers call. */
  trustedAddresses: readonly string[];
  contextPath: string;
}

function withoutContext(path: string, contextPath: string): string {
  return contextPath !== '' && path.startsWith(`${contextPath}/`) ? path.slice(contextPath.length) : path;
}

/** True for the paths only peers call: gossip and the replication API. */
export function isPeerPath(path: string, contextPath: string): boolean {
  const p = withoutContext(path, contextPath);
  return p.startsWith('/api/replication/') || p === '/api/cluster/gossip.json' || p === '/api/cluster/gossip';
}

/** What a Java peer calls: replicated writes and the start-up copy (not gossip or anti-entropy). */
const JAVA_PEER_PATH = /^\/api\/replication\/registry\/(?:register|heartbeat|unregister|services)(?:\.json)?$/;

function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * With a cluster secret configured, gossip and replication calls must carry it (or come from a
 * trusted address); anything else is refused with `no-permission`, so nobody can inject
 * instances through the replication API. Without a secret every call passes. A guard of the
 * request pipeline, so it applies to every route.
 */
export function peerAuth(options: PeerAuthOptions): Guard {
  const expected = Buffer.from(options.secret);
  const trusted = new Set(options.trustedAddresses.map(plainAddress));
  const refusal: Refusal = { status: 403, body: errorBody(failStatus(ErrorCodes.noPermission, 'Peer call without the cluster secret.')) };
  return (req) => {
    if (options.secret === '' || !isPeerPath(req.path, options.contextPath)) return undefined;
    const given = Buffer.from(req.header(CLUSTER_SECRET_HEADER) ?? '');
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    // A trusted address only gets what Java peers call: gossip would let it pose as a member
    // and be sent the secret.
    if (ok || (trusted.has(plainAddress(req.remoteAddress)) && JAVA_PEER_PATH.test(withoutContext(req.path, options.contextPath)))) return undefined;
    return refusal;
  };
}

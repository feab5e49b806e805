import { PeerVerifier, type VerifyFailure } from '../cluster/peer-signature.js';
import { NO_CLUSTER_KEY } from '../config/setting-warnings.js';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import type { Refusal } from './guard.js';
import { errorBody } from './respond.js';

/** Why a peer call was refused, once each. */
export const PeerAuthFailures = {
  noKey: NO_CLUSTER_KEY,
  unsigned: 'Peer call is not signed with the cluster key.',
  malformed: 'Peer call signature headers are malformed.',
  stale: 'Peer call timestamp is outside the allowed clock skew (cluster.maxClockSkewMs).',
  badSignature: 'Peer call signature does not match the cluster key.',
  replayed: 'Peer call was already received (replayed nonce).',
  otherNode: 'Peer call is signed for another node (its Host is none of this node\'s names).',
  busy: 'Too many peer calls within the clock-skew window; try again later.',
  noClientCert: 'Peer call without a client certificate of the cluster CA (tls.mutual).',
} as const;

/** What the check reads of a peer call, the same for every way in. */
export interface PeerCallRequest {
  readonly method: string;
  /** Path and query as on the request line. */
  readonly target: string;
  header(name: string): string | undefined;
  readonly remoteAddress: string;
  /** Address and port the connection arrived on; undefined for in-process requests. */
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** Whether the connection presented a client certificate that chains to tls.caFile (TLS only). */
  readonly clientCertAuthorized: boolean;
}

/**
 * Checks one call of an `access: 'peer-only'` endpoint after its body bytes were read, before
 * its handler runs; `javaPeer` for the endpoints Java peers call. A refusal answers the call.
 */
export type PeerCheck = (req: PeerCallRequest, body: Buffer, javaPeer: boolean) => Refusal | undefined;

export interface PeerAuthOptions {
  /** Null without a cluster key. */
  verifier: PeerVerifier | null;
  /** Without a key and with cluster.insecure, peer calls are accepted unchecked. */
  insecure: boolean;
  /** Addresses whose unsigned calls are accepted on the endpoints Java peers call. */
  trustedAddresses: readonly string[];
  /** `host[:port]` names of this node besides the address a call arrives on: its advertised URL's, cluster.aliases. */
  names: () => readonly string[];
  /** Mutual TLS: peer calls need a client certificate of the CA as well (unsigned Java calls from trusted addresses excepted). */
  requireClientCert: boolean;
  /** Told each refused peer call, by its reason. */
  onRefused?: (reason: PeerRefusalReason) => void;
}

/** Why a peer call was refused, as counted in `artemis_peer_refusals_total{reason}`. */
export type PeerRefusalReason = VerifyFailure | 'no-key' | 'other-node' | 'no-client-cert';

function plainAddress(address: string): string {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  return (a.startsWith('::ffff:') ? a.slice(7) : a).toLowerCase();
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

/** True when `host` (a Host header) names this node for a call that arrived on `req`'s socket. */
export function isOwnHost(host: string, req: PeerCallRequest, names: readonly string[]): boolean {
  const h = host.trim().toLowerCase();
  if (names.some((n) => n.toLowerCase() === h)) return true;
  if (req.localAddress === undefined || req.localPort === undefined) return false;
  let parsed: URL;
  try {
    parsed = new URL(`http://${h}`);
  } catch {
    return false;
  }
  if ((parsed.port === '' ? 80 : Number(parsed.port)) !== req.localPort) return false;
  const name = plainAddress(parsed.hostname);
  const local = plainAddress(req.localAddress);
  return name === local || (name === 'localhost' && isLoopback(local));
}

const FAILURE_TEXT: Record<VerifyFailure, string> = {
  unsigned: PeerAuthFailures.unsigned,
  malformed: PeerAuthFailures.malformed,
  stale: PeerAuthFailures.stale,
  'bad-signature': PeerAuthFailures.badSignature,
  replayed: PeerAuthFailures.replayed,
  busy: PeerAuthFailures.busy,
};

function refusal(text: string, status = 403): Refusal {
  const code = status === 503 ? ErrorCodes.serviceUnavailable : ErrorCodes.noPermission;
  return { status, body: errorBody(failStatus(code, text)) };
}

/**
 * The check of every peer-only endpoint (gossip, replication, anti-entropy): the call must be
 * signed with the cluster key (peer-signature.ts), fresh, new and addressed to this node. The
 * one exception: an unsigned call from a trusted address to an endpoint Java peers call (they
 * cannot sign). Without a key every peer call is refused, unless cluster.insecure is set.
 */
export function peerAuth(options: PeerAuthOptions): PeerCheck {
  const trusted = new Set(options.trustedAddresses.map(plainAddress));
  const refused = Object.fromEntries(Object.entries(FAILURE_TEXT).map(([k, text]) => [k, refusal(text, k === 'busy' ? 503 : 403)])) as Record<VerifyFailure, Refusal>;
  const noKey = refusal(PeerAuthFailures.noKey);
  const otherNode = refusal(PeerAuthFailures.otherNode);
  const noClientCert = refusal(PeerAuthFailures.noClientCert);
  const count = options.onRefused ?? (() => undefined);
  return (req, body, javaPeer) => {
    const header = (name: string) => req.header(name);
    if (javaPeer && !PeerVerifier.isSigned(header) && trusted.has(plainAddress(req.remoteAddress))) return undefined;
    if (options.requireClientCert && !req.clientCertAuthorized) {
      count('no-client-cert');
      return noClientCert;
    }
    const verifier = options.verifier;
    if (verifier === null) {
      if (options.insecure) return undefined;
      count('no-key');
      return noKey;
    }
    const host = req.header('host') ?? '';
    const failure = verifier.verify({ method: req.method, host, target: req.target, body }, header);
    if (failure !== null) {
      count(failure);
      return refused[failure];
    }
    // Checked after the signature, which covers the Host: a call captured on its way to another
    // node cannot be replayed here.
    if (isOwnHost(host, req, options.names())) return undefined;
    count('other-node');
    return otherNode;
  };
}

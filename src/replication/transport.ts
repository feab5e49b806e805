import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { ErrorCodes } from '../core/error-codes.js';
import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { RegistryOperation } from '../registry/registry-service.js';
import type { ReplicationTask } from './task-queue.js';

const gzipAsync = promisify(gzip);

/** What a peer answered to one replication request, reduced to what the sender needs. */
export interface PeerAnswer {
  status: string;
  errorCode: string;
  /** Instances the peer reported as failed, with their error codes. */
  failed: Array<{ instance: Instance | null; errorCode: string }>;
}

/**
 * Sends one replication request; rejects on network errors, timeouts and HTTP errors.
 * `headers` are extra request headers (`traceparent` when tracing is on). `stamps` are the order
 * stamps of the instances' registrations, sent beside them as `stamps` (Java peers ignore the
 * field; 0 = unknown, sent as null).
 */
export interface ReplicationTransport {
  send(
    peer: string,
    operation: RegistryOperation,
    instances: readonly Instance[],
    timeoutMs: number,
    headers?: Readonly<Record<string, string>>,
    stamps?: readonly number[],
  ): Promise<PeerAnswer>;
}

/** The replication request body: `instances`, and `stamps` beside them when any is known. */
export function replicationBody(instances: readonly Instance[], stamps?: readonly number[]): string {
  if (stamps === undefined || !stamps.some((s) => s > 0)) return JSON.stringify({ instances });
  return JSON.stringify({ instances, stamps: stamps.map((s) => (s > 0 ? s : null)) });
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Reads a RegisterResponse / HeartbeatResponse / UnregisterResponse leniently. */
export function readPeerAnswer(body: unknown): PeerAnswer {
  const status = asRecord(asRecord(body)?.['responseStatus']);
  if (status === null) throw new Error('peer answer has no responseStatus');
  const failedRaw = asRecord(body)?.['failedInstances'];
  const failed = (Array.isArray(failedRaw) ? failedRaw : []).map((f) => {
    const entry = asRecord(f);
    return { instance: asRecord(entry?.['instance']) as Instance | null, errorCode: text(entry?.['errorCode'], ErrorCodes.unknown) };
  });
  return { status: text(status['status'], 'unknown'), errorCode: text(status['errorCode'], ErrorCodes.unknown), failed };
}

/** Signature headers of one request: method, URL and the exact body bytes sent. */
export type SignRequest = (method: string, url: string, body: Uint8Array) => Record<string, string>;

/**
 * The Java replication endpoints over HTTP: gzip JSON POSTs, keep-alive connections. With
 * `sign`, each request (one per operation and batch) is signed once, over its gzip bytes.
 */
export function createHttpTransport(sign?: SignRequest, fetchFn: (url: string, init: RequestInit) => Promise<Response> = fetch): ReplicationTransport {
  return {
    async send(peer, operation, instances, timeoutMs, extraHeaders, stamps) {
      const body = await gzipAsync(replicationBody(instances, stamps));
      const url = `${peer}/api/replication/registry/${operation}.json`;
      const res = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', accept: 'application/json', ...extraHeaders, ...sign?.('POST', url, body) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`peer answered HTTP ${res.status}`);
      }
      return readPeerAnswer(await res.json());
    },
  };
}

/** How the tasks of one request fared. */
export interface Outcome {
  acked: ReplicationTask[];
  retry: ReplicationTask[];
  rejected: ReplicationTask[];
}

const RETRYABLE = new Set<string>([ErrorCodes.rateLimited, ErrorCodes.unknown]);

/** True for error codes worth sending again (rate-limited, unknown). */
export function isRetryable(errorCode: string): boolean {
  return RETRYABLE.has(errorCode);
}

/** Sorts the tasks of one request by the peer's answer (spec 9.4 "Outcome per instance"). */
export function classifyAnswer(answer: PeerAnswer, tasks: readonly ReplicationTask[]): Outcome {
  const outcome: Outcome = { acked: [], retry: [], rejected: [] };
  if (answer.status === 'success') {
    outcome.acked.push(...tasks);
    return outcome;
  }
  if (answer.status !== 'partial_fail') {
    const code = answer.status === 'fail' ? answer.errorCode : ErrorCodes.unknown;
    (isRetryable(code) ? outcome.retry : outcome.rejected).push(...tasks);
    return outcome;
  }
  const codes = new Map<string, string>();
  for (const f of answer.failed) if (f.instance !== null) codes.set(instanceKey(f.instance), f.errorCode);
  for (const task of tasks) {
    const code = codes.get(task.key);
    if (code === undefined) outcome.acked.push(task);
    else (isRetryable(code) ? outcome.retry : outcome.rejected).push(task);
  }
  return outcome;
}

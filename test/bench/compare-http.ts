/** Plain HTTP calls of `npm run bench:compare`: one-off requests, registry batches, and what the node's /metrics tells. */
import http from 'node:http';
import { STALL_POLL_MS, readServerSample } from '../../src/cli/bench/server-metrics.js';
import { chunks, registryBody, type BenchInstance } from './compare-fleets.js';
import { r2 } from './compare-stats.js';
import type { CapturedResponse } from './compare-targets.js';

/** One request over node:http (no Accept-Encoding, as the load generators send none). */
export function capture(base: string, method: 'GET' | 'POST', path: string, body?: string): Promise<CapturedResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const kept: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(k) || v === undefined) continue;
          kept[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        resolve({ status: res.statusCode ?? 0, headers: kept, body: Buffer.concat(parts) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function postJson<T>(base: string, path: string, body: unknown): Promise<T> {
  const res = await capture(base, 'POST', path, typeof body === 'string' ? body : JSON.stringify(body));
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${res.body.toString().slice(0, 200)}`);
  return JSON.parse(res.body.toString()) as T;
}

export async function registry(base: string, op: 'register' | 'heartbeat' | 'unregister', instances: BenchInstance[]): Promise<void> {
  for (const part of chunks(instances, 1_000)) {
    const answer = await postJson<{ responseStatus: { errorCode: string } }>(base, `/api/registry/${op}.json`, registryBody(part));
    if (answer.responseStatus.errorCode !== 'success') throw new Error(`${op}: ${JSON.stringify(answer)}`);
  }
}

/** Reads the node's stall gauge every STALL_POLL_MS until stopped; resolves with the longest stall seen (ms). */
export function watchStalls(base: string): () => Promise<number | undefined> {
  let longest: number | undefined;
  let reading: Promise<void> = Promise.resolve();
  const read = () => {
    reading = capture(base, 'GET', '/metrics').then(
      (res) => void (longest = Math.max(longest ?? 0, readServerSample(res.body.toString()).maxStallMs)),
      () => undefined,
    );
  };
  const timer = setInterval(read, STALL_POLL_MS);
  return async () => {
    clearInterval(timer);
    await reading;
    read();
    await reading;
    return longest === undefined ? undefined : r2(longest);
  };
}

/** Instances processed by registry operations with another result than ok, from /metrics. */
export async function registryFailures(base: string): Promise<Record<string, number>> {
  const text = (await capture(base, 'GET', '/metrics')).body.toString();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^artemis_registry_operations_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (m === null) continue;
    const result = /result="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
    const operation = /operation="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
    if (result !== 'ok') out[`${operation}:${result}`] = (out[`${operation}:${result}`] ?? 0) + Number(m[2]);
  }
  return out;
}

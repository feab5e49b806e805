import { Agent, request } from 'node:http';
import { rmSync } from 'node:fs';
import { createNode, type ArtemisNode } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/telemetry/logger.js';
import type { Lease } from '../../src/lease/lease-manager.js';
import { systemClock } from '../../src/core/clock.js';
import { TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { tempDataDir } from '../helpers/node.js';
import { makeCase, type Credentials, type FuzzCase, type Operation } from './cases.js';
import { CaseSigner } from './peer-signing.js';
import { REGION, ZONE, type Json } from './schema-arbitrary.js';

/**
 * Sends generated requests, derived from the node's own `/openapi.json`, to a real node over
 * HTTP and checks what comes back: no 5xx (nothing here stops the node, so no 503 is by design
 * either), every refusal in the ResponseStatus format, an answer within the timeout, the node
 * still answering /health, no crash (uncaught exception or unhandled rejection), and no state
 * change from a rejected request (live leases and management state compared before and after).
 */

export interface FuzzOptions {
  /** Cases per endpoint family (a family is an OpenAPI tag). */
  casesPerFamily: number;
  seed: number;
  /** Only these families (all when absent). */
  families?: readonly string[];
  /** Extra config flags of the node under fuzz (e.g. an auth token once configured). */
  flags?: Record<string, unknown>;
  /** A bearer token the node accepts, for the cases "with credentials". */
  token?: string;
  requestTimeoutMs?: number;
  log?: (line: string) => void;
  /** Errors the node logs (a 500 logs its cause) go to stderr as JSON lines. */
  nodeErrors?: boolean;
}

export interface Failure {
  case: Omit<FuzzCase, 'body'> & { bodyPreview: string };
  problem: string;
}

export interface FamilyReport {
  family: string;
  operations: number;
  cases: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  /** Peer-only cases by how they were signed. */
  bySigning: Record<string, number>;
  rejected: number;
  accepted: number;
}

export interface FuzzReport {
  seed: number;
  families: FamilyReport[];
  failures: Failure[];
  crashes: string[];
  durationMs: number;
}

const MAX_FAILURES = 50;

/** The node under fuzz: defaults, except bounds that keep a long run small and deterministic. */
function fuzzConfig(flags: Record<string, unknown>) {
  return loadConfig({
    flags: {
      port: 0, host: '127.0.0.1', regionId: REGION, zoneId: ZONE, logLevel: 'silent', dataDir: tempDataDir(),
      // peer-only cases are signed with it, as a peer of the node signs its calls
      'cluster.key': TEST_CLUSTER_KEY,
      // no lease expires and no member is forgotten during a run: state changes only by requests
      'registry.lease.ttlMs': 3_600_000, 'registry.legacyLease.ttlMs': 3_600_000, 'cluster.forgetAfterMs': 86_400_000,
      'management.refreshIntervalMs': 3_600_000,
      // smaller bodies keep oversized cases and gzip bombs quick
      'limits.maxBodyBytes': 262_144, 'limits.maxInstancesPerRequest': 500,
      // rate limiters would answer most cases before the code under test runs
      'rateLimit.registry.defaultLimit': 100_000_000, 'rateLimit.status.defaultLimit': 100_000_000, 'rateLimit.status.limits': {},
      'rateLimit.operator.defaultLimit': 100_000_000, 'rateLimit.group.defaultLimit': 100_000_000, 'rateLimit.cluster.defaultLimit': 100_000_000,
      'limits.maxRegistrationsPerClientPerSecond': 0,
      ...flags,
    },
  }).config;
}

/** The operations of the document, by family (tag). */
export function operationsOf(doc: Json): Map<string, Operation[]> {
  const out = new Map<string, Operation[]>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of ['get', 'post'] as const) {
      const op = item[method] as Json | undefined;
      if (op === undefined) continue;
      const family = (op.tags as string[])[0] ?? 'other';
      const query = ((op.parameters ?? []) as Json[]).filter((p) => p.in === 'query').map((p) => ({ name: p.name as string, required: p.required === true }));
      const body = op.requestBody?.content?.['application/json']?.schema as Json | undefined;
      const list = out.get(family) ?? [];
      list.push({ family, method: method.toUpperCase() as 'GET' | 'POST', path, access: op['x-artemis-access'] as string, body, query });
      out.set(family, list);
    }
  }
  return out;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(port: number, agent: Agent, c: FuzzCase, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = [...c.headers];
    const chunked = headers.some(([k, v]) => k === 'transfer-encoding' && v === 'chunked');
    if (c.body !== undefined && !chunked) headers.push(['content-length', String(c.body.length)]);
    // repeated names go out as repeated header lines (the Java client sends Content-Type twice)
    const byName: Record<string, string | string[]> = {};
    for (const [k, v] of headers) {
      const seen = byName[k];
      byName[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
    }
    const req = request({ host: '127.0.0.1', port, method: c.method, path: c.path, headers: byName, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(c.body);
  });
}

/** Live leases (unregistered ones count as gone, so a later sweep changes nothing) and the management state. */
class StateProbe {
  private readonly ids = new WeakMap<Lease, number>();
  private next = 0;
  private mgmtState: unknown;
  private mgmtText = '';

  constructor(private readonly node: ArtemisNode) {}

  snapshot(): string {
    const parts: string[] = [];
    for (const table of [this.node.repository.normal, this.node.repository.legacy]) {
      for (const lease of table.values()) {
        if (lease.evictionTime > 0) continue;
        let id = this.ids.get(lease);
        if (id === undefined) this.ids.set(lease, (id = ++this.next));
        parts.push(`${lease.key}#${id}`);
      }
    }
    parts.sort();
    const state = this.node.management.service.state;
    if (state !== this.mgmtState) {
      this.mgmtState = state;
      this.mgmtText = JSON.stringify([state.rows, state.canaryRows, state.routing.records]);
    }
    const members = this.node.cluster
      .members()
      .map((m) => `${m.nodeId} ${m.url}`)
      .sort();
    return `${parts.join(',')}|${this.mgmtText}|${members.join(',')}`;
  }
}

/** A rejected request: a framework refusal (4xx) or a whole-request failure (`status: fail`). */
function isRejected(a: Answer): boolean {
  if (a.status >= 400) return true;
  if (a.status !== 200) return false;
  try {
    const text = a.headers['content-encoding'] === 'gzip' ? '' : a.body.toString('utf8');
    return /"responseStatus":\{[^}]*"status":"fail"/.test(text) && !text.includes('"errorCode":"partial_fail"');
  } catch {
    return false;
  }
}

/** Problems of one answer, or null. */
function check(c: FuzzCase, a: Answer): string | null {
  if (a.status >= 500) return `HTTP ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`;
  if (a.status >= 400 && a.status !== 405 && a.status !== 404) {
    let parsed: Json | undefined;
    try {
      parsed = JSON.parse(a.body.toString('utf8')) as Json;
    } catch {
      return `HTTP ${a.status} without a JSON body: ${a.body.toString('utf8').slice(0, 200)}`;
    }
    const rs = parsed?.responseStatus as Json | undefined;
    if (rs === undefined || typeof rs.errorCode !== 'string' || typeof rs.status !== 'string') return `HTTP ${a.status} not in the ResponseStatus format`;
  }
  if (a.headers['access-control-allow-credentials'] !== undefined) return 'answer allows credentials cross-origin';
  if (c.kind === 'wrong-content-type' && c.method === 'POST' && a.status < 400) {
    const type = c.headers.find(([k]) => k === 'content-type')?.[1] ?? '';
    if (!/^application\/json(\s*[;,]|$)/i.test(type)) return `accepted a body of content type "${type}"`;
  }
  return null;
}

function preview(c: FuzzCase): Failure['case'] {
  const { body, ...rest } = c;
  return { ...rest, bodyPreview: body === undefined ? '' : body.subarray(0, 200).toString('utf8') };
}

/** Runs the fuzzer against a node of its own and reports. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => undefined);
  const crashes: string[] = [];
  const onCrash = (err: unknown) => crashes.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const config = fuzzConfig(opts.flags ?? {});
  // no call ever leaves the node: gossip or static peers named in a case are never contacted
  const node = createNode(config, { peerFilter: () => false, ...(opts.nodeErrors === true ? { logger: createLogger({ level: 'error', destination: process.stderr }) } : {}) });
  const started = Date.now();
  const { port } = await node.start();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const failures: Failure[] = [];
  const families: FamilyReport[] = [];
  try {
    const doc = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as Json;
    const creds: Credentials = { token: opts.token };
    const signer = new CaseSigner(config.cluster.key, `http://127.0.0.1:${port}`, systemClock, config.cluster.maxClockSkewMs);
    const limits = { maxBodyBytes: config.limits.maxBodyBytes, maxFieldLength: config.limits.maxFieldLength, maxInstancesPerRequest: config.limits.maxInstancesPerRequest };
    const probe = new StateProbe(node);
    let id = 0;
    for (const [family, ops] of operationsOf(doc)) {
      if (opts.families !== undefined && !opts.families.includes(family)) continue;
      const report: FamilyReport = { family, operations: ops.length, cases: 0, byStatus: {}, byKind: {}, bySigning: {}, rejected: 0, accepted: 0 };
      families.push(report);
      for (let i = 0; i < opts.casesPerFamily; i++) {
        const c = signer.sign(makeCase(ops[i % ops.length]!, doc, id++, opts.seed, limits, creds));
        const before = probe.snapshot();
        let answer: Answer;
        try {
          answer = await send(port, agent, c, timeoutMs);
        } catch (err) {
          failures.push({ case: preview(c), problem: `no answer: ${(err as Error).message}` });
          if (failures.length >= MAX_FAILURES) break;
          continue;
        }
        report.cases++;
        report.byStatus[answer.status] = (report.byStatus[answer.status] ?? 0) + 1;
        report.byKind[c.kind] = (report.byKind[c.kind] ?? 0) + 1;
        if (c.peer !== undefined) report.bySigning[c.peer] = (report.bySigning[c.peer] ?? 0) + 1;
        const problem = check(c, answer);
        if (problem !== null) failures.push({ case: preview(c), problem });
        if (isRejected(answer)) {
          report.rejected++;
          const after = probe.snapshot();
          if (after !== before) failures.push({ case: preview(c), problem: `state changed by a rejected request (HTTP ${answer.status}: ${answer.body.toString('utf8').slice(0, 200)})` });
        } else {
          report.accepted++;
        }
        if (i % 500 === 499) {
          const health = await send(port, agent, { ...c, method: 'GET', path: '/health', headers: [], body: undefined }, timeoutMs).catch((e: Error) => ({ status: 0, headers: {}, body: Buffer.from(e.message) }));
          if (health.status !== 200) failures.push({ case: preview(c), problem: `node unresponsive after case ${c.id}: /health answered ${health.status}` });
        }
        if (failures.length >= MAX_FAILURES) break;
      }
      log(`${family}: ${report.cases} cases, ${report.rejected} rejected, statuses ${JSON.stringify(report.byStatus)}`);
      if (failures.length >= MAX_FAILURES) break;
    }
  } finally {
    agent.destroy();
    await node.stop();
    rmSync(config.dataDir, { recursive: true, force: true });
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  return { seed: opts.seed, families, failures, crashes, durationMs: Date.now() - started };
}

import http from 'node:http';
import type { OpRecorder } from './stats.js';

/** A raw HTTP answer. */
export interface RawAnswer {
  status: number;
  body: Buffer;
}

const ERROR_CODE = Buffer.from('"errorCode":"');

/** The error kind of an answer: undefined for HTTP 200 with a `success` (or no) error code. */
export function answerError(answer: RawAnswer): string | undefined {
  if (answer.status !== 200) return `http-${answer.status}`;
  const at = answer.body.indexOf(ERROR_CODE);
  if (at < 0) return undefined;
  const start = at + ERROR_CODE.length;
  const code = answer.body.toString('latin1', start, answer.body.indexOf(34, start));
  return code === 'success' ? undefined : code;
}

/** Keep-alive HTTP to one node over at most `connections` sockets. */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly prefix: string;

  constructor(base: string, connections: number, private readonly timeoutMs: number) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.prefix = url.pathname.replace(/\/$/, '');
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  /** GET (no body) or POST of JSON text. */
  request(path: string, body?: string): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const req = http.request({ agent: this.agent, host: this.host, port: this.port, path: this.prefix + path, method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Closes every socket. */
  close(): void {
    this.agent.destroy();
  }
}

/** Sends one request and records its latency, or its error kind. */
export async function timedRequest(client: HttpClient, rec: OpRecorder, path: string, body?: string, units = 1): Promise<void> {
  const t0 = performance.now();
  try {
    const answer = await client.request(path, body);
    const kind = answerError(answer);
    if (kind === undefined) rec.record(performance.now() - t0, units);
    else rec.error(kind);
  } catch (err) {
    rec.error((err as Error).message === 'timeout' ? 'timeout' : 'connection');
  }
}

/** How a closed-loop run is paced. */
export interface LoopPlan {
  /** Loops running at once (requests in flight). */
  connections: number;
  /** `performance.now()` after which no loop starts another request. */
  deadline: number;
  /** Operations per second over all loops; 0 for as fast as answers come. */
  rate: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `op(loop, seq)` in `connections` loops until the deadline, each paced to its share of the rate. */
export async function runLoops(plan: LoopPlan, op: (loop: number, seq: number) => Promise<void>): Promise<void> {
  const interval = plan.rate > 0 ? (plan.connections * 1_000) / plan.rate : 0;
  let seq = 0;
  const loop = async (index: number) => {
    let next = performance.now() + (interval * index) / plan.connections;
    while (performance.now() < plan.deadline) {
      if (interval > 0) {
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        if (performance.now() >= plan.deadline) break;
        next += interval;
      }
      await op(index, seq++);
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, (_, i) => loop(i)));
}

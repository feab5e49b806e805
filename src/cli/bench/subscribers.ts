import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PushWorkerData } from './push-worker.js';
import type { OpRecorder } from './stats.js';

interface WorkerMessage {
  ready?: boolean;
  error?: string;
  arrivals?: Array<[string, number]>;
  last?: boolean;
}

const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? './push-worker.ts' : './push-worker.js', import.meta.url);

/** A thread running the subscriber code; from TypeScript sources it registers tsx first (threads do not inherit its loader). */
function startWorker(workerData: PushWorkerData): Worker {
  if (!fromSource) return new Worker(workerUrl, { workerData });
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/** Epoch milliseconds with fractions, comparable across threads. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * `count` subscribers of one service over /ws/discovery/instance-change, in worker threads (raw
 * TCP, so measuring costs little). Each change of an instance announced with {@link SubscriberPool.sent}
 * is recorded as latency from that moment to its arrival at each subscriber.
 */
export class SubscriberPool {
  private readonly sentAt = new Map<string, number>();
  private readonly deliveries = new Map<string, number>();

  private constructor(private readonly workers: Worker[], private readonly count: number, private readonly rec: OpRecorder) {
    for (const w of workers) w.on('message', (m: WorkerMessage) => this.arrived(m.arrivals ?? []));
  }

  /** Starts the subscribers on `threads` threads; resolves once all are subscribed. */
  static async start(base: string, serviceId: string, count: number, threads: number, rec: OpRecorder): Promise<SubscriberPool> {
    const url = `${base.replace(/^http/, 'ws').replace(/\/$/, '')}/ws/discovery/instance-change`;
    const n = Math.max(1, Math.min(threads, count));
    const workers = Array.from({ length: n }, (_, i) => {
      const workerData: PushWorkerData = { url, serviceId, count: Math.floor(count / n) + (i < count % n ? 1 : 0) };
      return startWorker(workerData);
    });
    const ready = workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', (m: WorkerMessage) => (m.error === undefined ? resolve() : reject(new Error(`subscriber: ${m.error}`))));
      w.once('error', reject);
    }));
    try {
      await Promise.all(ready);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new SubscriberPool(workers, count, rec);
  }

  /** Announces that a change of `instanceId` is being sent now. */
  sent(instanceId: string): void {
    this.sentAt.set(instanceId, epochNow());
  }

  private arrived(arrivals: Array<[string, number]>): void {
    for (const [id, at] of arrivals) {
      const t0 = this.sentAt.get(id);
      const seen = this.deliveries.get(id) ?? 0;
      if (t0 === undefined || seen >= this.count) continue;
      this.deliveries.set(id, seen + 1);
      this.rec.record(Math.max(0, at - t0));
    }
  }

  /** Stops the threads without collecting; safe after {@link SubscriberPool.stop}. */
  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Collects the last arrivals, counts missing deliveries as errors and stops the threads. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      w.on('message', (m: WorkerMessage) => m.last === true && resolve());
      w.postMessage('stop');
    })));
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const id of this.sentAt.keys()) {
      const missing = this.count - (this.deliveries.get(id) ?? 0);
      for (let k = 0; k < missing; k++) this.rec.error('missing');
    }
  }
}

import { WebSocket } from 'ws';
import { batchBody, type Fleet } from './fleet.js';
import type { OpRecorder } from './stats.js';

interface Pending {
  t0: number;
  units: number;
  done: () => void;
}

const STATUS = /"errorCode":"([^"]*)"/;

/** WebSocket sessions on /ws/registry/heartbeat; every frame gets one answer, in order. */
export class HeartbeatSessions {
  private readonly queues: Pending[][];

  private constructor(private readonly sockets: WebSocket[], private readonly rec: OpRecorder) {
    this.queues = sockets.map(() => []);
    sockets.forEach((ws, i) => {
      ws.on('message', (data: Buffer) => this.answered(i, data.toString('utf8')));
      ws.on('close', () => this.fail(i, 'closed'));
    });
  }

  /** Opens `count` sessions to the node at `base` (http URL). */
  static async open(base: string, count: number, rec: OpRecorder): Promise<HeartbeatSessions> {
    const url = `${base.replace(/^http/, 'ws').replace(/\/$/, '')}/ws/registry/heartbeat`;
    const sockets = await Promise.all(
      Array.from({ length: count }, () => new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      })),
    );
    return new HeartbeatSessions(sockets, rec);
  }

  /** Number of sessions. */
  get size(): number {
    return this.sockets.length;
  }

  /** Sends one frame of `units` instances on session `i`; resolves when its answer came (or the session closed). */
  send(i: number, frame: string, units: number): Promise<void> {
    return new Promise((done) => {
      this.queues[i]!.push({ t0: performance.now(), units, done });
      this.sockets[i]!.send(frame);
    });
  }

  /** Frames sent and not answered yet on session `i`. */
  inFlight(i: number): number {
    return this.queues[i]!.length;
  }

  private answered(i: number, text: string): void {
    const p = this.queues[i]!.shift();
    if (p === undefined) return;
    const code = STATUS.exec(text)?.[1];
    if (code === 'success') this.rec.record(performance.now() - p.t0, p.units);
    else this.rec.error(code ?? 'bad-answer');
    p.done();
  }

  private fail(i: number, kind: string): void {
    for (const p of this.queues[i]!.splice(0)) {
      this.rec.error(kind);
      p.done();
    }
  }

  /** Closes every session. */
  close(): void {
    for (const ws of this.sockets) ws.terminate();
  }
}

/** Heartbeats the whole fleet once every `periodMs`, spread evenly, `batch` instances a frame. Returns a stop function. */
export function heartbeatFleet(sessions: HeartbeatSessions, fleet: Fleet, batch: number, periodMs: number): () => void {
  const frames = Math.ceil(fleet.count / batch);
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / periodMs) * frames) + 1;
    for (; sent < due; sent++) {
      const frame = sent % frames;
      const size = Math.min(batch, fleet.count - frame * batch);
      const session = sent % sessions.size;
      if (sessions.inFlight(session) > 1_000) continue;
      void sessions.send(session, batchBody(fleet, frame * batch, size), size);
    }
  }, 20);
  return () => clearInterval(timer);
}

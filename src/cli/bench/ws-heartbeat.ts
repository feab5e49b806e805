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

  /** Sends one text frame of `units` instances on session `i`; resolves when its answer came (or the session closed). */
  send(i: number, frame: string | Buffer, units: number): Promise<void> {
    return new Promise((done) => {
      this.queues[i]!.push({ t0: performance.now(), units, done });
      this.sockets[i]!.send(frame, { binary: false });
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

/** Most bytes of heartbeat frames kept built for a run; a larger fleet's frames are built as they are sent. */
export const MAX_PREBUILT_FRAME_BYTES = 64 * 1_048_576;

/**
 * The heartbeat frames of a fleet, `batch` instances each. They are built once, before the
 * measured part, while they fit in MAX_PREBUILT_FRAME_BYTES: building 100 instances' JSON for
 * every frame would run on the loop that times the answers, and its pauses would count as latency.
 */
export class HeartbeatFrames {
  /** Number of frames that cover the fleet. */
  readonly count: number;
  private readonly built: Buffer[] | null;

  constructor(private readonly fleet: Fleet, private readonly batch: number, maxBytes = MAX_PREBUILT_FRAME_BYTES) {
    this.count = Math.ceil(fleet.count / batch);
    const first = this.build(0);
    this.built = first.length * this.count > maxBytes ? null : Array.from({ length: this.count }, (_, f) => (f === 0 ? first : this.build(f)));
  }

  /** True when every frame is kept built. */
  get prebuilt(): boolean {
    return this.built !== null;
  }

  /** Instances in frame `f`. */
  size(f: number): number {
    return Math.min(this.batch, this.fleet.count - f * this.batch);
  }

  /** The body of frame `f` (0 <= f < count). */
  body(f: number): Buffer {
    return this.built?.[f] ?? this.build(f);
  }

  private build(f: number): Buffer {
    return Buffer.from(batchBody(this.fleet, f * this.batch, this.size(f)));
  }
}

/** Heartbeats the whole fleet once every `periodMs`, spread evenly, one frame of `frames` after the other. Returns a stop function. */
export function heartbeatFleet(sessions: HeartbeatSessions, frames: HeartbeatFrames, periodMs: number): () => void {
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / periodMs) * frames.count) + 1;
    for (; sent < due; sent++) {
      const frame = sent % frames.count;
      const session = sent % sessions.size;
      if (sessions.inFlight(session) > 1_000) continue;
      void sessions.send(session, frames.body(frame), frames.size(frame));
    }
  }, 20);
  return () => clearInterval(timer);
}

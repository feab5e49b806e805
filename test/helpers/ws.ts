import { WebSocket } from 'ws';

/** A test WebSocket client that queues incoming text frames and lets a test await them. */
export class TestSocket {
  readonly ws: WebSocket;
  private readonly frames: string[] = [];
  private waiters: Array<() => void> = [];
  closeCode: number | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
        this.wake();
      });
    });
    this.ws.on('message', (data) => {
      this.frames.push((data as Buffer).toString('utf8'));
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async open(url: string): Promise<TestSocket> {
    const s = new TestSocket(url);
    await s.opened;
    return s;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Next text frame, raw; fails after `timeoutMs`. */
  async nextText(timeoutMs = 2_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift() as string;
  }

  async next(timeoutMs = 2_000): Promise<any> {
    return JSON.parse(await this.nextText(timeoutMs));
  }

  /** True when no frame arrives within `ms`. */
  async quietFor(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.length === 0;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

export function wsUrl(httpUrl: string, path: string): string {
  return httpUrl.replace(/^http/i, 'ws') + path;
}

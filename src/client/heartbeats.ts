import { ErrorCodes, Status } from '../core/error-codes.js';
import type { Instance } from '../core/wire/instance.js';
import type { FailedInstance } from '../core/wire/registry-messages.js';
import { ArtemisClientError } from './errors.js';
import { isServiceDown, readResponseStatus } from './http.js';
import type { ClientRuntime } from './runtime.js';
import type { ManagedSocket } from './socket.js';
import type { TimerHandle } from './timers.js';
import { readFailedInstances } from './wire.js';

/** Payload of a `heartbeat-failed` event. */
export interface HeartbeatFailure {
  /** How the heartbeat was sent. */
  transport: 'websocket' | 'http';
  /** Why the whole heartbeat failed; undefined when only some instances were refused. */
  error: ArtemisClientError | undefined;
  /** Instances the node refused, other than those registered again after `data-not-found`. */
  failedInstances: FailedInstance[];
}

/** What the heartbeat loop needs of its registry client. */
export interface HeartbeatOwner {
  instances(): Instance[];
  /** The local copy of an instance a node echoed back. */
  local(instance: Instance): Instance | undefined;
  reRegister(instances: Instance[]): void;
  failed(failure: HeartbeatFailure): void;
}

const RE_REGISTER = new Set<string>([ErrorCodes.dataNotFound, ErrorCodes.unknown]);

/**
 * The heartbeat loop of a registry client. Every interval (less up to 10 % jitter) one
 * `HeartbeatRequest` with every local instance goes over the socket, or over HTTP while the
 * socket is down. A frame still unanswered at the next beat counts as failed and the socket is
 * moved to another node. Answers are handled alike whatever the transport: instances reported
 * `data-not-found`/`unknown` are registered again; "service down" moves to another node.
 * A freshly opened socket beats at once, so a restarted node learns the instances quickly.
 */
export class Heartbeats {
  private timer: TimerHandle | undefined;
  private unanswered = 0;
  private httpBusy = false;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly runtime: ClientRuntime,
    private readonly socket: ManagedSocket,
    private readonly owner: HeartbeatOwner,
  ) {
    if (!(intervalMs > 0)) throw new RangeError('heartbeatIntervalMs must be positive');
  }

  /** Starts the beat timer. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the beat timer; answers arriving later are ignored. */
  stop(): void {
    this.stopped = true;
    this.runtime.timers.cancel(this.timer);
    this.timer = undefined;
  }

  /** A heartbeat socket opened: beat at once and restart the interval. */
  onOpen(): void {
    this.unanswered = 0;
    if (this.stopped || this.owner.instances().length === 0) return;
    this.beat();
    this.schedule();
  }

  /** The heartbeat socket closed: frames in flight will not be answered. */
  onDown(): void {
    this.unanswered = 0;
  }

  /** One answer frame from the heartbeat socket. */
  onFrame(text: string): void {
    this.unanswered = Math.max(0, this.unanswered - 1);
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = null;
    }
    this.onAnswer(body, 'websocket');
  }

  private schedule(): void {
    this.runtime.timers.cancel(this.timer);
    const { random } = this.runtime.options;
    const delay = Math.round(this.intervalMs * (1 - 0.1 * random()));
    this.timer = this.runtime.timers.after(delay, () => {
      if (this.stopped) return;
      this.beat();
      this.schedule();
    });
  }

  /** Sends one heartbeat now. */
  beat(): void {
    const instances = this.owner.instances();
    if (this.stopped || instances.length === 0) return;
    if (this.unanswered > 0) {
      this.unanswered = 0;
      this.fail('websocket', new ArtemisClientError('timeout', 'no answer to the previous heartbeat frame', { node: this.socket.node }));
      this.socket.reconnect(true);
    }
    if (this.socket.send(JSON.stringify({ instances }))) {
      this.unanswered++;
      return;
    }
    void this.overHttp(instances);
  }

  private async overHttp(instances: Instance[]): Promise<void> {
    if (this.httpBusy) return;
    this.httpBusy = true;
    try {
      const answer = await this.runtime.http.request({ path: '/api/registry/heartbeat.json', body: { instances } });
      this.onAnswer(answer.body, 'http');
    } catch (err) {
      if (!this.runtime.isClosed) this.fail('http', err as ArtemisClientError);
    } finally {
      this.httpBusy = false;
    }
  }

  private onAnswer(body: Record<string, unknown> | null, transport: HeartbeatFailure['transport']): void {
    if (this.stopped) return;
    const status = readResponseStatus(body);
    const node = this.socket.node;
    if (status === null) {
      this.fail(transport, new ArtemisClientError('bad-response', 'a heartbeat answer without a responseStatus', { node }));
      return;
    }
    if (status.status === Status.fail) {
      this.fail(transport, new ArtemisClientError(status.errorCode, `heartbeat failed: ${status.errorCode} ${status.message ?? ''}`.trim(), { node, responseStatus: status }));
      if (transport === 'websocket' && isServiceDown(status)) {
        this.socket.reconnect(true);
        void this.overHttp(this.owner.instances());
      }
      return;
    }
    this.onFailedInstances(readFailedInstances(body), transport);
  }

  private onFailedInstances(failed: FailedInstance[], transport: HeartbeatFailure['transport']): void {
    const again: Instance[] = [];
    const others: FailedInstance[] = [];
    for (const f of failed) {
      const local = f.instance === null ? undefined : this.owner.local(f.instance);
      if (local !== undefined && RE_REGISTER.has(f.errorCode)) again.push(local);
      else if (local !== undefined) others.push(f);
    }
    if (others.length > 0) this.owner.failed({ transport, error: undefined, failedInstances: others });
    if (again.length > 0) this.owner.reRegister(again);
  }

  private fail(transport: HeartbeatFailure['transport'], error: ArtemisClientError): void {
    this.owner.failed({ transport, error, failedInstances: [] });
  }
}

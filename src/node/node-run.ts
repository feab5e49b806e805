import type { NodeState } from '../cluster/node-state.js';
import { startInOrder, stopInReverse, type Lifecycle } from '../core/lifecycle.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import type { Readiness } from '../web/api/ops.js';

export interface NodeRunDeps {
  state: NodeState;
  logger: Logger;
  /** Time the whole stop has (http.shutdownTimeoutMs). */
  shutdownTimeoutMs: number;
}

/**
 * The start and stop of a node: its parts started in order and stopped in reverse, each stop
 * with the deadline `now + shutdownTimeoutMs` (a failing step is logged and the next one still
 * stopped), and the readiness this reports meanwhile. A start that fails stops the node.
 */
export class NodeRun {
  private phase: Readiness = 'starting';
  private parts: readonly Lifecycle[] = [];
  private onUp: () => void = () => undefined;
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly deps: NodeRunDeps) {}

  readiness(): Readiness {
    return this.phase;
  }

  /** The parts in start order, and what to do once all of them started and the node is up. */
  sequence(parts: readonly Lifecycle[], onUp: () => void): void {
    this.parts = parts;
    this.onUp = onUp;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('node already started');
    this.started = true;
    try {
      await startInOrder(this.parts);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.deps.state.markUp();
    this.phase = 'ready';
    this.onUp();
  }

  /** Idempotent: every call waits for the one stop. */
  stop(): Promise<void> {
    return (this.stopping ??= this.stopParts());
  }

  private async stopParts(): Promise<void> {
    const { logger, state } = this.deps;
    const deadline = Date.now() + this.deps.shutdownTimeoutMs;
    this.phase = 'stopping';
    state.markDown();
    logger.info({}, 'artemis node stopping');
    await stopInReverse(this.parts, deadline, (step, err) => logger.error({ ...errorFields(err), step }, 'shutdown step failed'));
    logger.info({}, 'artemis node stopped');
    logger.flush();
  }
}

import type { InstanceChange } from '../core/wire/service.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { ChangePublisher } from './change-publisher.js';

/** What the relay needs of discovery: a tick after each coalescing window with the version. */
export interface VersionTicks {
  onTick(listener: (version: number) => void): void;
}

/**
 * Collects registry changes from the bus and pushes them at the discovery cache's next tick,
 * tagged with the version they lead to, so a subscriber can later resume from that version.
 */
export class PushRelay {
  private pending: InstanceChange[] = [];
  private readonly unsubscribe: () => void;

  constructor(bus: ChangeBus, ticks: VersionTicks, private readonly publisher: ChangePublisher) {
    this.unsubscribe = bus.subscribe((change) => this.pending.push(change));
    ticks.onTick((version) => this.flush(version));
  }

  private flush(version: number): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.publisher.publish(batch, version);
  }

  stop(): void {
    this.unsubscribe();
    this.pending = [];
  }
}

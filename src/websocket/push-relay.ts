import type { InstanceChange } from '../core/wire/service.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { ChangePublisher } from './change-publisher.js';

/** What the relay needs of discovery: a tick after each rebuild with the version, and which services it left out. */
export interface VersionTicks {
  onTick(listener: (version: number) => void): void;
  /** True while a service's changes are not yet in the current version. */
  pending(serviceId: string): boolean;
  /** Names the services (canonical keys, a live view) to rebuild before others. */
  preferFirst(services: ReadonlyMap<string, unknown>): void;
}

/**
 * Collects registry changes from the bus and pushes them at the discovery cache's next tick,
 * tagged with the version they lead to, so a subscriber can later resume from that version. The
 * changes of a service that the tick's version does not include yet (a rebuild spread over
 * several ticks, or one that rebuilt only the services with removals) wait for a later tick, in
 * their order. The services someone subscribed to are rebuilt first.
 */
export class PushRelay {
  private pending: InstanceChange[] = [];
  private readonly unsubscribe: () => void;

  constructor(bus: ChangeBus, private readonly ticks: VersionTicks, private readonly publisher: ChangePublisher) {
    this.unsubscribe = bus.subscribe((change) => this.pending.push(change));
    ticks.onTick((version) => this.flush(version));
    ticks.preferFirst(publisher.listenedServices());
  }

  private flush(version: number): void {
    if (this.pending.length === 0) return;
    const ready: InstanceChange[] = [];
    const held: InstanceChange[] = [];
    for (const change of this.pending) {
      const id = change.instance.serviceId;
      // a change nobody listens to is not kept for later
      if (!this.publisher.listensTo(id)) continue;
      (id !== null && this.ticks.pending(id) ? held : ready).push(change);
    }
    this.pending = held;
    if (ready.length > 0) this.publisher.publish(ready, version);
  }

  stop(): void {
    this.unsubscribe();
    this.pending = [];
  }
}

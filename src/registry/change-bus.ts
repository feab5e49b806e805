import type { InstanceChange } from '../core/wire/service.js';

/**
 * `expired` is true for a `delete` the lease sweep made (an expiry, which may wait for the
 * discovery coalescing window); false for every change a call made.
 */
export type ChangeListener = (change: InstanceChange, expired: boolean) => void;

/**
 * In-process bus of instance changes, delivered synchronously in the order they happen.
 * The discovery cache, WebSocket push and replication subscribe here. A listener that throws
 * is reported and does not stop delivery to the others.
 */
export class ChangeBus {
  private listeners: ChangeListener[] = [];

  constructor(private readonly onListenerError: (err: unknown) => void) {}

  subscribe(listener: ChangeListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  publish(change: InstanceChange, expired = false): void {
    for (const l of this.listeners) {
      try {
        l(change, expired);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

import type { InstanceChange } from '../core/wire/service.js';

export type ChangeListener = (change: InstanceChange) => void;

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

  publish(change: InstanceChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

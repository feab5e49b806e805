import type { StoreChange } from './management-store.js';

type Listener = (change: StoreChange) => void;

/**
 * The listeners of one store's `watch()`. A revision is announced at most once, and only if it is
 * higher than every one announced before: a store hears of its own writes both directly and through
 * its change feed, and a listener that loaded revision N has also seen everything below N.
 */
export class ChangeNotifier {
  private readonly listeners = new Set<{ fn: Listener }>();
  private announced = 0;

  /** @param onError - receives what a listener throws, so one bad listener cannot break a write. */
  constructor(private readonly onError: (err: unknown) => void) {}

  /** How many listeners are registered. */
  get size(): number {
    return this.listeners.size;
  }

  /** The highest revision announced (or recorded with {@link ChangeNotifier.seen}). */
  get revision(): number {
    return this.announced;
  }

  /** Registers a listener; the returned function removes it and may be called more than once. */
  add(fn: Listener): () => void {
    const entry = { fn };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Records a revision as known without announcing it (the state at start-up). */
  seen(revision: number): void {
    this.announced = Math.max(this.announced, revision);
  }

  /** Announces `revision` if it is newer than anything announced so far. */
  changed(revision: number): void {
    if (revision <= this.announced) return;
    this.announced = revision;
    this.emit({ revision, resync: false });
  }

  /** Tells every listener to reload everything (changes may have been missed). */
  resync(revision: number): void {
    this.seen(revision);
    this.emit({ revision: this.announced, resync: true });
  }

  /** Drops every listener. */
  clear(): void {
    this.listeners.clear();
  }

  private emit(change: StoreChange): void {
    for (const entry of [...this.listeners]) {
      if (!this.listeners.has(entry)) continue;
      try {
        entry.fn(change);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

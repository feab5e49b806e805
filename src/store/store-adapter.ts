import { ChangeNotifier } from './change-notifier.js';
import type { ManagementStore, StoreAvailability, StoreChange, TokenRow } from './management-store.js';
import { AvailabilityTracker } from './store-availability.js';
import { StoreClosedError, StoreNotInitializedError } from './store-errors.js';

/** How an adapter reads and changes its token rows, each call with the adapter's own failure handling. */
export interface TokenRows {
  list(): Promise<TokenRow[]>;
  /** Adds a row; resolves with the new revision. */
  add(row: TokenRow): Promise<number>;
  /** Removes a token; resolves with the new revision, or undefined when there was none. */
  remove(id: string): Promise<number | undefined>;
}

type Shared = 'watch' | 'identity' | 'availability' | 'tokens' | 'addToken' | 'removeToken' | 'close';

/**
 * What every store adapter does the same way: the watchers of its change feed, its identity, its
 * availability, the token rows (a change announces its revision), `close` (once) and the check
 * that the store is open. `H` is what an open store works with (tables, a connection, a pool).
 */
export abstract class StoreAdapter<H> implements Pick<ManagementStore, Shared> {
  abstract readonly kind: string;
  protected readonly notifier: ChangeNotifier;
  protected readonly health = new AvailabilityTracker();
  /** Read from the store when it opens. */
  protected storeId = '';
  protected closing: Promise<void> | undefined;
  protected abstract readonly tokenRows: TokenRows;

  protected constructor(protected readonly onError: (err: unknown) => void) {
    this.notifier = new ChangeNotifier(onError);
  }

  /** What the open store works with; undefined until it is open. */
  protected abstract opened(): H | undefined;

  /** Releases what the store holds; called once, by the first `close`. */
  protected abstract shutdown(): Promise<void>;

  watch(listener: (change: StoreChange) => void): () => void {
    return this.notifier.add(listener);
  }

  identity(): string {
    this.ready();
    return this.storeId;
  }

  availability(): StoreAvailability {
    return this.health.get();
  }

  tokens(): Promise<TokenRow[]> {
    return this.tokenRows.list();
  }

  async addToken(row: TokenRow): Promise<number> {
    const revision = await this.tokenRows.add(row);
    this.notifier.changed(revision);
    return revision;
  }

  async removeToken(id: string): Promise<boolean> {
    const revision = await this.tokenRows.remove(String(id));
    if (revision !== undefined) this.notifier.changed(revision);
    return revision !== undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** @throws StoreClosedError once closing, StoreNotInitializedError before `init` finished */
  protected ready(): H {
    if (this.closing !== undefined) throw new StoreClosedError(this.kind);
    const open = this.opened();
    if (open === undefined) throw new StoreNotInitializedError(this.kind);
    return open;
  }
}

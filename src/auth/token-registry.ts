import type { Clock } from '../core/clock.js';
import type { Lifecycle } from '../core/lifecycle.js';
import type { TaskScheduler } from '../core/scheduler.js';
import type { ManagementStore, TokenRow } from '../store/management-store.js';
import { StoreUnavailableError } from '../store/store-errors.js';
import { isScope, SCOPES, type Scope } from './scopes.js';
import { hashSecret, newSecret, newTokenId, sameHash } from './token-secrets.js';

/** Who made a call: a token as the access checks and the audit log see it (never its secret). */
export interface TokenIdentity {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** What audit log rows record: `<name> (<id>)`. */
  readonly label: string;
}

/** A token as the administration endpoints list it: no secret, no hash. */
export interface TokenView {
  id: string;
  name: string;
  scopes: Scope[];
  createdBy: string;
  createTime: number;
}

export interface TokenRegistryDeps {
  store: ManagementStore;
  clock: Clock;
  /** Runs the periodic reload (a safety net beside the store's change feed). */
  scheduler: TaskScheduler;
  refreshIntervalMs: number;
  onError: (err: unknown) => void;
}

interface Entry {
  identity: TokenIdentity;
  hash: string;
}

export const tokenLabel = (name: string, id: string): string => `${name} (${id})`;

const identityOf = (row: TokenRow): TokenIdentity => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes.filter(isScope),
  label: tokenLabel(row.name, row.id),
});

const viewOf = (row: TokenRow): TokenView => ({ id: row.id, name: row.name, scopes: row.scopes.filter(isScope), createdBy: row.createdBy, createTime: row.createTime });

/**
 * The API tokens of the cluster, kept in the management store (hashes only) and mirrored here
 * for the access checks: a check hashes the presented secret and looks the digest up, so it
 * never reads the store. Every node follows the store's change feed, so a token created or
 * revoked on one node is accepted or refused on all of them within one feed delay.
 */
export class TokenRegistry implements Lifecycle {
  readonly name = 'tokens';
  private byHash = new Map<string, Entry>();
  private rows: TokenRow[] = [];
  private unwatch: (() => void) | undefined;
  private reloading: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly deps: TokenRegistryDeps) {
    // An unreachable store is the outage StoreHealth logs once; the tokens last loaded stay in force.
    deps.scheduler.add({
      name: 'auth.token-refresh',
      intervalMs: deps.refreshIntervalMs,
      jitter: 0.1,
      run: () =>
        this.reload().catch((err: unknown) => {
          if (!(err instanceof StoreUnavailableError)) throw err;
        }),
    });
  }

  /** Loads the tokens and follows the store's changes; the store must be open. */
  async start(): Promise<void> {
    this.stopped = false;
    this.unwatch = this.deps.store.watch(() => {
      void this.reload().catch((err: unknown) => this.deps.onError(err));
    });
    await this.reload();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = undefined;
    await this.reloading?.catch(() => undefined);
  }

  /** How many tokens exist (as last loaded). */
  get size(): number {
    return this.rows.length;
  }

  /** The token whose secret this is, or undefined. */
  verify(secret: string): TokenIdentity | undefined {
    if (secret === '') return undefined;
    const hash = hashSecret(secret);
    const entry = this.byHash.get(hash);
    return entry !== undefined && sameHash(entry.hash, hash) ? entry.identity : undefined;
  }

  /** Every token, oldest first, read from the store. */
  async list(): Promise<TokenView[]> {
    return (await this.deps.store.tokens()).map(viewOf);
  }

  /**
   * Creates a token with a fresh random secret (or `secret`, for the first admin token) and
   * returns it with its secret, which is not kept anywhere.
   * @throws StoreInputError when the name is taken.
   */
  async create(spec: { name: string; scopes: readonly Scope[]; createdBy: string; secret?: string }): Promise<{ token: TokenView; secret: string }> {
    const secret = spec.secret ?? newSecret();
    const scopes = SCOPES.filter((s) => spec.scopes.includes(s));
    const row: TokenRow = { id: newTokenId(), name: spec.name, scopes, hash: hashSecret(secret), createdBy: spec.createdBy, createTime: this.deps.clock.now() };
    await this.deps.store.addToken(row);
    this.apply([...this.rows, row]);
    return { token: viewOf(row), secret };
  }

  /** Revokes the token with this id (or, failing that, this name); takes effect here at once. */
  async revoke(idOrName: string): Promise<TokenView | undefined> {
    const rows = await this.deps.store.tokens();
    const wanted = idOrName.toLowerCase();
    const row = rows.find((r) => r.id === idOrName) ?? rows.find((r) => r.name.toLowerCase() === wanted);
    if (row === undefined) return undefined;
    await this.deps.store.removeToken(row.id);
    this.apply(rows.filter((r) => r.id !== row.id));
    return viewOf(row);
  }

  /** Reloads from the store; calls during a reload make one more run after it. */
  reload(): Promise<void> {
    if (this.reloading !== undefined) {
      this.again = true;
      return this.reloading;
    }
    const run = async () => {
      do {
        this.again = false;
        const rows = await this.deps.store.tokens();
        if (!this.stopped) this.apply(rows);
      } while (this.again && !this.stopped);
    };
    this.reloading = run().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private apply(rows: TokenRow[]): void {
    this.rows = rows;
    this.byHash = new Map(rows.map((r) => [r.hash, { identity: identityOf(r), hash: r.hash }]));
  }
}

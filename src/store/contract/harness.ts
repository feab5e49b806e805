import { afterEach, beforeEach } from 'vitest';
import { operationRow, type LogTable, type ManagementStore, type OperationRow, type StoreChange } from '../management-store.js';

/** One store under test, initialised, plus a way to reach the same data as a second node would. */
export interface StoreUnderTest {
  store: ManagementStore;
  /** Opens and initialises another store on the same data (same file, same Redis prefix). The suite closes it. */
  openPeer(): Promise<ManagementStore>;
  /** Removes the data (files, keys); called after every store was closed. */
  cleanup(): Promise<void>;
}

/** Makes a fresh, empty store for each test. */
export type StoreFactory = () => Promise<StoreUnderTest>;

/** Access to the current test's store and its peers, created before and closed after each test. */
export interface StoreHarness {
  readonly store: ManagementStore;
  peer(): Promise<ManagementStore>;
}

/** Registers per-test setup and teardown, and returns the harness the cases use. */
export function useStore(factory: StoreFactory): StoreHarness {
  let current: StoreUnderTest | undefined;
  let peers: ManagementStore[] = [];
  beforeEach(async () => {
    current = await factory();
    peers = [];
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    await Promise.allSettled(peers.map((p) => p.close()));
    await done?.store.close();
    await done?.cleanup();
  });
  const get = (): StoreUnderTest => {
    if (current === undefined) throw new Error('No store: the harness is used outside a test.');
    return current;
  };
  return {
    get store() {
      return get().store;
    },
    async peer() {
      const peer = await get().openPeer();
      peers.push(peer);
      return peer;
    },
  };
}

/** Polls `check` until it returns true; fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A listener that records every change it is given. */
export function recorder(): { changes: StoreChange[]; listener: (change: StoreChange) => void; sawRevision(revision: number): boolean } {
  const changes: StoreChange[] = [];
  return {
    changes,
    listener: (change) => changes.push(change),
    sawRevision: (revision) => changes.some((c) => c.revision >= revision),
  };
}

/** An instance pull-out row. */
export function instanceOp(fields: Partial<OperationRow> = {}): OperationRow {
  return operationRow({
    kind: 'instance',
    regionId: 'SHA',
    serviceId: 'Demo.Service',
    instanceId: '10.0.0.1:8080',
    operation: 'pullout',
    operatorId: 'alice',
    token: 't-1',
    ...fields,
  });
}

/** A write of one log row. */
export async function writeLog(store: ManagementStore, table: LogTable, fields: Record<string, string | number | boolean | null>): Promise<void> {
  await store.write({ logs: [{ table, fields }] });
}

/** Operation rows in a stable order, for comparisons. */
export function sortedOps(rows: OperationRow[]): OperationRow[] {
  const key = (r: OperationRow) => [r.kind, r.regionId, r.serviceId, r.instanceId, r.serverId, r.zoneId, r.groupId, r.operation].join('|');
  return [...rows].sort((a, b) => key(a).localeCompare(key(b)));
}

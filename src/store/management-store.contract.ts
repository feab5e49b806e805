import { describe } from 'vitest';
import { entityCases } from './contract/entities.contract.js';
import { identityCases } from './contract/identity.contract.js';
import { logCases } from './contract/logs.contract.js';
import { atomicityCases, canaryCases, operationCases } from './contract/operations.contract.js';
import { useStore, type StoreFactory } from './contract/harness.js';
import { tokenCases } from './contract/tokens.contract.js';
import { lifecycleCases, watchCases } from './contract/watch.contract.js';

export type { StoreFactory, StoreUnderTest } from './contract/harness.js';

/**
 * Registers the conformance tests every {@link ManagementStore} adapter must pass. Call it at the
 * top level of a test file; `factory` makes a fresh, empty, initialised store for each test.
 *
 * @example
 * describeManagementStore('sqlite', async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'artemis-'));
 *   const open = async () => { const s = new SqliteStore(join(dir, 'artemis.db')); await s.init(); return s; };
 *   return { store: await open(), openPeer: open, cleanup: () => rm(dir, { recursive: true, force: true }) };
 * });
 */
export function describeManagementStore(name: string, factory: StoreFactory): void {
  describe(`ManagementStore contract: ${name}`, () => {
    const harness = useStore(factory);
    operationCases(harness);
    canaryCases(harness);
    atomicityCases(harness);
    entityCases(harness);
    logCases(harness);
    watchCases(harness);
    tokenCases(harness);
    lifecycleCases(harness);
    identityCases(harness);
  });
}

/** Micro cases of the lease sweep over a large table. */
import { instanceKey, type Instance } from '../../src/core/wire/instance.js';
import { LeaseManager } from '../../src/lease/lease-manager.js';
import { SelfPreservation } from '../../src/lease/self-preservation.js';
import { ManualClock, benchInstance, fmt } from './micro-fixtures.js';
import type { MicroCase, MicroSizes } from './micro-sizes.js';

function leaseTable(count: number, clock: ManualClock): { table: LeaseManager; keys: string[]; instances: Instance[] } {
  const safety = new SelfPreservation({ enabled: true, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000 }, clock);
  const table = new LeaseManager('instance', { ttlMs: 20_000 }, clock, safety);
  const keys: string[] = new Array<string>(count);
  const instances: Instance[] = new Array<Instance>(count);
  for (let i = 0; i < count; i++) {
    const instance = benchInstance(i % 1_000, i);
    const key = instanceKey(instance);
    keys[i] = key;
    instances[i] = instance;
    table.put(key, instance);
  }
  return { table, keys, instances };
}

/** One sweep of a large lease table: nothing due (the steady state), and with 1 % unregistered. */
export function leaseCases(s: MicroSizes): MicroCase[] {
  const removals = Math.max(1, Math.floor(s.leases / 100));
  return [
    {
      name: `sweep of ${fmt(s.leases)} live leases, nothing due`,
      prepare: () => {
        const { table } = leaseTable(s.leases, new ManualClock());
        return () => {
          const removed = table.sweep();
          if (removed !== 0) throw new Error(`sweep removed ${removed} live leases`);
          return removed;
        };
      },
    },
    {
      name: `sweep of ${fmt(s.leases)} leases removing ${fmt(removals)} unregistered (incl. evicting and re-adding them)`,
      prepare: () => {
        const { table, keys, instances } = leaseTable(s.leases, new ManualClock());
        let removedTotal = 0;
        table.onRemoval(() => removedTotal++);
        let offset = 0;
        return () => {
          const from = offset;
          offset = (offset + removals) % s.leases;
          for (let k = 0; k < removals; k++) table.evict(keys[(from + k) % s.leases]!);
          const removed = table.sweep();
          if (removed !== removals) throw new Error(`sweep removed ${removed}, expected ${removals}`);
          for (let k = 0; k < removals; k++) {
            const i = (from + k) % s.leases;
            table.put(keys[i]!, instances[i]!);
          }
          return removedTotal;
        };
      },
    },
  ];
}

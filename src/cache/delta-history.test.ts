import { describe, expect, it } from 'vitest';
import { DeltaHistory, type ServiceTransitions, type VersionStep } from './delta-history.js';

function step(from: number, changes: number, at = 0): VersionStep {
  const transitions = new Map(Array.from({ length: changes }, (_, i) => [`i${from}-${i}`, { before: null, after: null }] as const));
  const services = new Map<string, ServiceTransitions>([['svc', { serviceId: 'svc', transitions }]]);
  return { from, to: from + 1, at, services };
}

describe('DeltaHistory bounds', () => {
  it('drops the oldest steps once they hold more than maxChanges transitions', () => {
    const h = new DeltaHistory({ maxCount: 64, maxAgeMs: 300_000, maxChanges: 100 });
    h.record(step(1, 60));
    h.record(step(2, 30));
    expect([h.size, h.changeCount]).toEqual([2, 90]);
    h.record(step(3, 30));
    expect([h.size, h.changeCount]).toEqual([2, 60]);
    expect(h.since(1)).toBeNull();
    expect(h.since(2)?.map((s) => s.from)).toEqual([2, 3]);
    // one step larger than the bound is not kept either: clients behind it reload
    h.record(step(4, 500));
    expect([h.size, h.changeCount]).toEqual([0, 0]);
  });

  it('keeps count and age bounds as before, with no change bound when 0', () => {
    const h = new DeltaHistory({ maxCount: 2, maxAgeMs: 1_000, maxChanges: 0 });
    for (let v = 1; v <= 3; v++) h.record(step(v, 10_000, v));
    expect(h.size).toBe(2);
    expect(h.retains(1, 3)).toBe(false);
    expect(h.retains(3, 900)).toBe(true);
    expect(h.retains(3, 5_000)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { runFuzz } from '../fuzz/fuzzer.js';

/**
 * A short run of the fuzzer (test/fuzz, `npm run fuzz` for the full one) with a fixed seed:
 * 40 cases per endpoint family generated from the served /openapi.json, sent to a real node;
 * peer-only calls mostly signed with its cluster key.
 */
describe('fuzzing every endpoint family from the OpenAPI document', () => {
  it('finds no 5xx, no unanswered request, no state change from a rejected one and no crash', async () => {
    const report = await runFuzz({ casesPerFamily: 40, seed: 20_260_401 });
    expect(report.families.length).toBeGreaterThanOrEqual(7);
    expect(report.families.every((f) => f.cases === 40)).toBe(true);
    expect(report.failures.map((f) => `${f.case.op} ${f.case.kind}: ${f.problem}`)).toEqual([]);
    expect(report.crashes).toEqual([]);
    // the cases reach past the framework checks, and some are refused by them
    const statuses = report.families.flatMap((f) => Object.keys(f.byStatus));
    expect(statuses).toContain('200');
    expect(statuses).toContain('415');
    // peer calls signed with the node's cluster key get past the signature check to the handlers
    const replication = report.families.find((f) => f.family === 'replication');
    expect(replication?.bySigning.signed).toBeGreaterThan(0);
    expect(replication?.accepted).toBeGreaterThan(0);
  }, 120_000);
});

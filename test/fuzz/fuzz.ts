/**
 * Fuzzes a node of its own with requests generated from its `/openapi.json`:
 *
 *   npm run fuzz -- [--cases 10000] [--seed 1] [--families registry,discovery] [--token <bearer>] [--json report.json]
 *
 * `--cases` is per endpoint family (OpenAPI tag). Valid, boundary, wrong-type, oversized,
 * malformed-JSON, wrong-content-type, gzip-bomb and bad-encoding bodies; query strings for GETs;
 * each case with the configured credentials, wrong ones or none; peer-only calls mostly signed with
 * the node's cluster key as a peer signs them, the rest unsigned or signed wrongly. Exits 1 on any failure (a 5xx,
 * no answer, a refusal not in the ResponseStatus format, a state change from a rejected request,
 * a crash), printing the cases that failed; the same seed replays the same cases.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzzer.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    families: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'string' },
  },
});

const report = await runFuzz({
  casesPerFamily: Number(values.cases),
  seed: Number(values.seed),
  ...(values.families === undefined ? {} : { families: values.families.split(',') }),
  ...(values.token === undefined ? {} : { token: values.token }),
  log: (line) => console.log(line),
  nodeErrors: true,
});

console.log(`\nseed ${report.seed}, ${Math.round(report.durationMs / 1000)} s`);
console.table(
  report.families.map((f) => ({ family: f.family, operations: f.operations, cases: f.cases, accepted: f.accepted, rejected: f.rejected, statuses: JSON.stringify(f.byStatus), signed: f.bySigning.signed ?? 0 })),
);
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(report, null, 2));
for (const f of report.failures) console.log(`FAIL case ${f.case.id} (${f.case.family} ${f.case.op}, ${f.case.kind}, credentials ${f.case.credentials}${f.case.peer === undefined ? '' : `, ${f.case.peer}`}): ${f.problem}\n  ${f.case.method} ${f.case.path} ${JSON.stringify(f.case.headers)} ${JSON.stringify(f.case.bodyPreview.slice(0, 160))}`);
for (const c of report.crashes) console.log(`CRASH ${c}`);
const total = report.families.reduce((n, f) => n + f.cases, 0);
console.log(`${total} cases, ${report.failures.length} failures, ${report.crashes.length} crashes`);
process.exitCode = report.failures.length > 0 || report.crashes.length > 0 ? 1 : 0;

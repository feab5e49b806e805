import { parseArgs } from 'node:util';
import { createStore, StoreError, type ManagementStore } from '../store/index.js';
import { redactStoreUrl } from '../store/store-url.js';
import { UsageError, type Io } from './common.js';
import { MigrationConflict, compareContents, countContents, planCopy, readContents, type CopyStep, type Difference } from './migrate-copy.js';

export const MIGRATE_USAGE = `Usage: artemis migrate --from <store-url> --to <store-url> [options]

Copies all management state (pull-outs of instances, servers, zones and groups, canary IPs,
groups, route rules, weights, tags, group members, logical instances) and every audit log from
one store to another, keeping ids and times, then compares both sides record by record.
Running it again copies only what still differs. Stop the nodes writing to either store first.

Store URLs:
  sqlite:<path>                      a SQLite file (created when missing)
  redis://host:port/db               Redis, keys under --from-key-prefix / --to-key-prefix
  mysql://user:pass@host:port/db     the Java registry's MySQL schema (created when the database is empty)

Options:
  --from <url>              the store to read, required
  --to <url>                the store to write, required
  --from-key-prefix <p>     Redis key prefix of --from                      [artemis:]
  --to-key-prefix <p>       Redis key prefix of --to                        [artemis:]
  --dry-run                 show what would be copied; write nothing
  --verify-only             write nothing; only compare both sides
  --max-differences <n>     differences listed in full                      [20]
  -h, --help                show this help

Exit codes: 0 both stores hold the same records, 1 they differ (or the copy failed), 2 usage.
`;

/** A progress bar on a terminal; one line per step elsewhere. */
class Progress {
  private done = 0;

  constructor(
    private readonly io: Io,
    private readonly tty: boolean,
    private readonly total: number,
  ) {}

  step(label: string, records: number): void {
    this.done += records;
    const line = `${label}: ${records} record${records === 1 ? '' : 's'}`;
    if (!this.tty) {
      this.io.err(`copied ${line} (${this.done}/${this.total})\n`);
      return;
    }
    const width = 30;
    const filled = this.total === 0 ? width : Math.round((this.done / this.total) * width);
    const pct = this.total === 0 ? 100 : Math.floor((this.done / this.total) * 100);
    this.io.err(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${this.done}/${this.total} ${line}`.padEnd(100));
    if (this.done >= this.total) this.io.err('\n');
  }
}

function printCounts(io: Io, title: string, counts: Record<string, number>): void {
  const rows = Object.entries(counts).filter(([, n]) => n > 0);
  io.out(`${title}: ${rows.length === 0 ? 'nothing' : rows.map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
}

function printDifferences(io: Io, differences: Difference[], max: number): void {
  for (const d of differences.slice(0, max)) io.out(`  ${d.section} ${d.id}: ${d.what}\n`);
  if (differences.length > max) io.out(`  … and ${differences.length - max} more\n`);
}

const redact = (url: string) => (url.startsWith('mysql:') || url.startsWith('redis') ? redactStoreUrl(url) : url);

async function open(url: string, keyPrefix: string | undefined, io: Io): Promise<ManagementStore> {
  if (url.trim() === '') throw new UsageError('a store URL must not be empty');
  const store = createStore({ url, dataDir: '.', keyPrefix, onError: (err) => io.err(`store trouble: ${(err as Error).message}\n`) });
  await store.init();
  return store;
}

/** The flags of `artemis migrate` (also read by shell completion). */
export const MIGRATE_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'from-key-prefix': { type: 'string' },
  'to-key-prefix': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'verify-only': { type: 'boolean' },
  'max-differences': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `artemis migrate`: returns the exit code. */
export async function migrateCommand(args: string[], io: Io, isTty = process.stderr.isTTY === true): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: MIGRATE_OPTIONS,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${MIGRATE_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.out(MIGRATE_USAGE);
    return 0;
  }
  const max = values['max-differences'] === undefined ? 20 : Number(values['max-differences']);
  if (values.from === undefined || values.to === undefined || !Number.isInteger(max) || max < 0) {
    io.err(`migrate needs --from and --to (and --max-differences a whole number)\n\n${MIGRATE_USAGE}`);
    return 2;
  }
  if (values.from === values.to && values['from-key-prefix'] === values['to-key-prefix']) {
    io.err('--from and --to name the same store\n');
    return 2;
  }
  const stores: ManagementStore[] = [];
  try {
    const from = await open(values.from, values['from-key-prefix'], io);
    stores.push(from);
    const to = await open(values.to, values['to-key-prefix'], io);
    stores.push(to);
    io.out(`from ${redact(values.from)} (${from.kind}) to ${redact(values.to)} (${to.kind})\n`);
    const source = await readContents(from);
    printCounts(io, 'source holds', countContents(source));
    let target = await readContents(to);
    const dry = values['dry-run'] === true || values['verify-only'] === true;
    const steps: CopyStep[] = planCopy(source, target, to);
    const toCopy: Record<string, number> = {};
    for (const s of steps) toCopy[s.label] = (toCopy[s.label] ?? 0) + s.records;
    printCounts(io, dry ? 'would copy' : 'to copy', toCopy);
    if (values['dry-run'] === true) return 0;
    if (!dry && steps.length > 0) {
      const progress = new Progress(io, isTty, steps.reduce((n, s) => n + s.records, 0));
      for (const step of steps) {
        await step.run();
        progress.step(step.label, step.records);
      }
      target = await readContents(to);
    }
    const differences = compareContents(source, target);
    if (differences.length === 0) {
      io.out(`verified: both stores hold the same ${Object.values(countContents(source)).reduce((a, b) => a + b, 0)} records\n`);
      return 0;
    }
    io.out(`verification found ${differences.length} difference${differences.length === 1 ? '' : 's'}:\n`);
    printDifferences(io, differences, max);
    return 1;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${MIGRATE_USAGE}`);
      return 2;
    }
    if (err instanceof StoreError || err instanceof MigrationConflict) {
      io.err(`migrate failed: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await Promise.allSettled(stores.map((s) => s.close()));
  }
}

import type { Registry } from 'prom-client';

/** The observations of one label set: a count per bucket (not cumulative), their sum and count. */
export class HistogramChild {
  private readonly counts: number[];
  private total = 0;
  private n = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = bounds.map(() => 0);
  }

  /** Counts one value: plain number additions, no label hashing. */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    // above the last bound: only the +Inf bucket (the count) has it
    if (i < bounds.length) this.counts[i]!++;
    this.total += value;
    this.n++;
  }

  /** The child's samples as prom-client lists them: cumulative buckets, +Inf, sum, count. */
  values(name: string): HistogramValue[] {
    const out: HistogramValue[] = [];
    let acc = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += this.counts[i]!;
      out.push({ labels: { le: this.bounds[i]! }, value: acc, metricName: `${name}_bucket`, exemplar: null, sharedLabels: this.labels });
    }
    out.push(
      { labels: { le: '+Inf' }, value: this.n, metricName: `${name}_bucket`, exemplar: null, sharedLabels: this.labels },
      { labels: {}, value: this.total, metricName: `${name}_sum`, exemplar: undefined, sharedLabels: this.labels },
      { labels: {}, value: this.n, metricName: `${name}_count`, exemplar: undefined, sharedLabels: this.labels },
    );
    return out;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.n = 0;
  }
}

interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
  /** Always none (no exemplars), spelled as prom-client spells it. */
  exemplar: null | undefined;
  sharedLabels: Readonly<Record<string, string>>;
}

export interface PlainHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets: readonly number[];
  registers: Registry[];
}

/**
 * A histogram for hot paths, read by prom-client's registry like its own Histogram (same samples,
 * same text). prom-client hashes the label set on every `observe`, bound child or not; here a
 * child bound once with `labels()` counts in plain numbers.
 */
export class PlainHistogram<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: readonly number[];
  private readonly children = new Map<string, HistogramChild>();

  constructor(private readonly opts: PlainHistogramOptions<L>) {
    this.name = opts.name;
    this.help = opts.help;
    this.bounds = [...opts.buckets].sort((a, b) => a - b);
    for (const registry of opts.registers) registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The child of one label set (values in `labelNames` order), made once and kept. */
  labels(...values: string[]): HistogramChild {
    if (values.length !== this.opts.labelNames.length) throw new Error(`${this.name}: expected ${this.opts.labelNames.length} label values`);
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (child === undefined) {
      const labels: Record<string, string> = {};
      this.opts.labelNames.forEach((n, i) => (labels[n] = values[i]!));
      this.children.set(key, (child = new HistogramChild(this.bounds, labels)));
    }
    return child;
  }

  /** prom-client's `observe(labels, value)`, for callers off the hot path. */
  observe(labels: Readonly<Record<L, string>>, value: number): void {
    this.labels(...this.opts.labelNames.map((n) => labels[n])).observe(value);
  }

  /** What the registry writes as text (the labels of a child as shared labels, `le` first). */
  getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; values: HistogramValue[]; aggregator: 'sum' }> {
    const values = [...this.children.values()].flatMap((c) => c.values(this.name));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** The samples with every label in `labels`, as prom-client's `get()` gives them. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: Array<Omit<HistogramValue, 'sharedLabels'>>; aggregator: 'sum' }> {
    const data = await this.getForPromString();
    return { ...data, values: data.values.map(({ labels, value, metricName, exemplar, sharedLabels }) => ({ labels: { ...labels, ...sharedLabels }, value, metricName, exemplar })) };
  }

  reset(): void {
    for (const child of this.children.values()) child.reset();
  }
}

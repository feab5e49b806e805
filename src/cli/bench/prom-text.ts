/**
 * A reader of the Prometheus text exposition format (version 0.0.4), as /metrics serves it.
 * Its output has the shape of the `parse-prometheus-text-format` package (families with their
 * samples; histogram and summary samples grouped per label set; values as the text wrote them),
 * so that package can take its place without changing the callers.
 */

/** One sample of a counter, gauge or untyped family. */
export interface PromSample {
  value: string;
  labels: Record<string, string>;
  timestamp_ms?: string;
}

/** One label set of a histogram: cumulative counts by upper bound (`le`). */
export interface PromHistogram {
  buckets: Record<string, string>;
  count: string;
  sum: string;
  labels: Record<string, string>;
}

/** One label set of a summary: values by quantile. */
export interface PromSummary {
  quantiles: Record<string, string>;
  count: string;
  sum: string;
  labels: Record<string, string>;
}

export type PromFamily =
  | { name: string; help: string; type: 'COUNTER' | 'GAUGE' | 'UNTYPED'; metrics: PromSample[] }
  | { name: string; help: string; type: 'HISTOGRAM'; metrics: PromHistogram[] }
  | { name: string; help: string; type: 'SUMMARY'; metrics: PromSummary[] };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

interface RawSample {
  name: string;
  labels: Record<string, string>;
  value: string;
  timestamp?: string;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** `name{a="x",b="y"} value [timestamp]`. @throws Error on a malformed line */
function readSample(line: string, lineNo: number): RawSample {
  const fail = (why: string): never => {
    throw new Error(`metrics line ${lineNo}: ${why}: ${line}`);
  };
  const name = NAME.exec(line)?.[0] ?? fail('no metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1).trimStart();
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0] ?? fail('bad label name');
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="')) fail('expected ="');
      const value = /^="((?:[^"\\]|\\.)*)"/.exec(rest) ?? fail('unterminated label value');
      labels[label] = unescape(value[1]!);
      rest = rest.slice(value[0].length).trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith('}')) fail('expected , or }');
    }
    rest = rest.slice(1);
  }
  const [value, timestamp, extra] = rest.trim().split(/\s+/);
  if (value === undefined || value === '' || extra !== undefined) fail('expected a value and an optional timestamp');
  // As Prometheus reads floats: NaN and Inf in any letter case (prom-client writes NaN as "Nan").
  if (!/^[+-]?(inf(inity)?|nan|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)$/i.test(value!)) fail('bad value');
  return { name, labels, value: value!, ...(timestamp === undefined ? {} : { timestamp }) };
}

const labelKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

function without(labels: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _dropped, ...rest } = labels;
  return rest;
}

/** Parses a whole /metrics text into its families, in order of appearance. @throws Error on a malformed line */
export function parsePrometheusText(text: string): PromFamily[] {
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const order: string[] = [];
  const samples = new Map<string, RawSample[]>();
  const familyOf = (sample: string): string => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = sample.slice(0, -suffix.length);
      if (sample.endsWith(suffix) && (types.get(base) === 'HISTOGRAM' || (suffix !== '_bucket' && types.get(base) === 'SUMMARY'))) return base;
    }
    return sample;
  };
  const add = (family: string) => {
    if (!samples.has(family)) {
      samples.set(family, []);
      order.push(family);
    }
    return samples.get(family)!;
  };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
      if (m === null) return;
      if (m[1] === 'HELP') helps.set(m[2]!, unescape(m[3]!));
      else types.set(m[2]!, m[3]!.toUpperCase());
      add(m[2]!);
      return;
    }
    const s = readSample(line, i + 1);
    add(familyOf(s.name)).push(s);
  });
  return order.map((name) => family(name, types.get(name) ?? 'UNTYPED', helps.get(name) ?? '', samples.get(name)!));
}

function family(name: string, type: string, help: string, raw: RawSample[]): PromFamily {
  if (type === 'HISTOGRAM' || type === 'SUMMARY') {
    const groups = new Map<string, { labels: Record<string, string>; points: Record<string, string>; count: string; sum: string }>();
    const bound = type === 'HISTOGRAM' ? 'le' : 'quantile';
    for (const s of raw) {
      const labels = without(s.labels, bound);
      const key = labelKey(labels);
      const g = groups.get(key) ?? { labels, points: {}, count: '0', sum: '0' };
      groups.set(key, g);
      if (s.name === `${name}_sum`) g.sum = s.value;
      else if (s.name === `${name}_count`) g.count = s.value;
      else if (s.labels[bound] !== undefined) g.points[s.labels[bound]] = s.value;
    }
    const list = [...groups.values()];
    if (type === 'HISTOGRAM') return { name, help, type, metrics: list.map((g) => ({ buckets: g.points, count: g.count, sum: g.sum, labels: g.labels })) };
    return { name, help, type, metrics: list.map((g) => ({ quantiles: g.points, count: g.count, sum: g.sum, labels: g.labels })) };
  }
  const t = type === 'COUNTER' || type === 'GAUGE' ? type : 'UNTYPED';
  return { name, help, type: t, metrics: raw.map((s) => ({ value: s.value, labels: s.labels, ...(s.timestamp === undefined ? {} : { timestamp_ms: s.timestamp }) })) };
}

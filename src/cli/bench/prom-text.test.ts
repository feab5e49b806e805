import { describe, expect, it } from 'vitest';
import { NodeMetrics } from '../../telemetry/metrics.js';
import { parsePrometheusText } from './prom-text.js';
import { readServerSample } from './server-metrics.js';

describe('Prometheus text reader', () => {
  it('reads families with digits in their names, labels with escapes, timestamps, histograms and summaries', () => {
    const text = [
      '# HELP x_p99_seconds Lag p99.',
      '# TYPE x_p99_seconds gauge',
      'x_p99_seconds 0.0125',
      '# TYPE req_total counter',
      'req_total{route="/a",msg="say \\"hi\\"\\n",} 3 1700000000000',
      'req_total{route="/b"} +Inf',
      '# TYPE lat histogram',
      'lat_bucket{kind="minor",le="0.1"} 2',
      'lat_bucket{kind="minor",le="+Inf"} 3',
      'lat_sum{kind="minor"} 0.25',
      'lat_count{kind="minor"} 3',
      '# TYPE q summary',
      'q{quantile="0.5"} 1e-3',
      'q_sum 2',
      'q_count 4',
      'untyped_1 NaN',
      'untyped_2 Nan',
    ].join('\n');
    expect(parsePrometheusText(text)).toEqual([
      { name: 'x_p99_seconds', help: 'Lag p99.', type: 'GAUGE', metrics: [{ value: '0.0125', labels: {} }] },
      {
        name: 'req_total', help: '', type: 'COUNTER',
        metrics: [{ value: '3', labels: { route: '/a', msg: 'say "hi"\n' }, timestamp_ms: '1700000000000' }, { value: '+Inf', labels: { route: '/b' } }],
      },
      { name: 'lat', help: '', type: 'HISTOGRAM', metrics: [{ buckets: { '0.1': '2', '+Inf': '3' }, count: '3', sum: '0.25', labels: { kind: 'minor' } }] },
      { name: 'q', help: '', type: 'SUMMARY', metrics: [{ quantiles: { '0.5': '1e-3' }, count: '4', sum: '2', labels: {} }] },
      { name: 'untyped_1', help: '', type: 'UNTYPED', metrics: [{ value: 'NaN', labels: {} }] },
      { name: 'untyped_2', help: '', type: 'UNTYPED', metrics: [{ value: 'Nan', labels: {} }] },
    ]);
  });

  it('refuses malformed lines with their line number', () => {
    expect(() => parsePrometheusText('ok 1\nbad{a="x" 1')).toThrow(/line 2/);
    expect(() => parsePrometheusText('x one')).toThrow(/bad value/);
  });

  it("reads a node's own /metrics: event-loop lag p99, memory, CPU and the GC histogram", async () => {
    const metrics = new NodeMetrics({ version: '9.9.9' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = await metrics.text();
    const lag = (await metrics.registry.getSingleMetric('artemis_nodejs_eventloop_lag_p99_seconds')!.get()).values[0]!.value;
    const sample = readServerSample(text);
    expect(lag).toBeGreaterThan(0);
    expect(sample.eventLoopLagP99Ms).toBeCloseTo(lag * 1_000, 6);
    expect(sample.rssBytes).toBeGreaterThan(0);
    expect(sample.heapUsedBytes).toBeGreaterThan(0);
    expect(sample.cpuSeconds).toBeGreaterThan(0);
    const families = new Map(parsePrometheusText(text).map((f) => [f.name, f]));
    expect(families.get('artemis_build_info')?.metrics).toEqual([{ value: '1', labels: { version: '9.9.9', nodejs: process.version } }]);
  });
});

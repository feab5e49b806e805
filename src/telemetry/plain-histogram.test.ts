import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PlainHistogram } from './plain-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const OBSERVED: Array<[string, string, number]> = [
  ['/a', 'GET', 0.0001],
  ['/a', 'GET', 0.0005],
  ['/a', 'GET', 0.003],
  ['/a', 'POST', 0.07],
  ['/b', 'GET', 2.5],
  ['/b', 'GET', 1],
  ['/a', 'GET', 0.00051],
];

function pair(): { plain: Registry; prom: Registry; ours: PlainHistogram<'route' | 'method'>; theirs: Histogram<'route' | 'method'> } {
  const plain = new Registry();
  const prom = new Registry();
  const opts = { name: 'x_seconds', help: 'Latency.', labelNames: ['route', 'method'] as const, buckets: BUCKETS };
  return { plain, prom, ours: new PlainHistogram({ ...opts, registers: [plain] }), theirs: new Histogram({ ...opts, registers: [prom] }) };
}

describe('PlainHistogram', () => {
  it('writes the text and JSON prom-client writes for the same observations', async () => {
    const { plain, prom, ours, theirs } = pair();
    for (const [route, method, v] of OBSERVED) {
      ours.labels(route, method).observe(v);
      theirs.labels(route, method).observe(v);
    }
    ours.observe({ route: '/c', method: 'GET' }, 0.02);
    theirs.observe({ route: '/c', method: 'GET' }, 0.02);
    expect(await plain.metrics()).toBe(await prom.metrics());
    expect(await plain.getMetricsAsJSON()).toEqual(await prom.getMetricsAsJSON());
    expect(await plain.metrics()).toContain('x_seconds_bucket{le="0.001",route="/a",method="GET"} 3');
  });

  it('binds one child per label set and zeroes on reset', async () => {
    const { plain, prom, ours, theirs } = pair();
    expect(ours.labels('/a', 'GET')).toBe(ours.labels('/a', 'GET'));
    ours.labels('/a', 'GET').observe(0.5);
    theirs.labels('/a', 'GET').observe(0.5);
    plain.resetMetrics();
    prom.resetMetrics();
    theirs.zero({ route: '/a', method: 'GET' });
    expect(await plain.metrics()).toBe(await prom.metrics());
    expect(() => ours.labels('/a')).toThrow(/label values/);
  });
});

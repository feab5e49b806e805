import { describe, expect, it } from 'vitest';
import { NodeMetrics } from './metrics.js';

const direct = /^artemis_http_direct_requests_total (\d+)$/m;

describe('NodeMetrics tallies', () => {
  it('counts the requests of the direct path through a tally, flushed when scraped, once', async () => {
    const metrics = new NodeMetrics();
    try {
      expect(direct.exec(await metrics.text())?.[1]).toBe('0');
      const served = metrics.tally(metrics.httpDirectRequests, {});
      for (let i = 0; i < 3; i++) served.inc();
      const text = await metrics.text();
      expect(direct.exec(text)?.[1]).toBe('3');
      expect(text).toContain('# HELP artemis_http_direct_requests_total Requests answered by the direct node:http way in (the rest go through the framework).');
      expect(direct.exec(await metrics.text())?.[1]).toBe('3');
      served.inc();
      expect(direct.exec(await metrics.text())?.[1]).toBe('4');
    } finally {
      metrics.close();
    }
  });
});

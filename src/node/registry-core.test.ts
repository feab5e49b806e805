import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { systemClock } from '../core/clock.js';
import { RateLimiter } from '../ratelimit/rate-limiter.js';
import { ChangeBus } from '../registry/change-bus.js';
import { silentLogger } from '../telemetry/logger.js';
import { NodeMetrics } from '../telemetry/metrics.js';
import { createRegistryCore, rateLimiters } from './registry-core.js';

/** Every RateLimiter reachable from `value`, however the limiters are grouped. */
function reachable(value: unknown, seen = new Set<unknown>()): RateLimiter[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  if (value instanceof RateLimiter) return [value];
  return Object.values(value).flatMap((v) => reachable(v, seen));
}

describe('rate-limit rejections', () => {
  it('of every limiter of a node are counted in artemis_rate_limited_total, each once', async () => {
    const names = ['registry', 'replication', 'cluster', 'status', 'operator', 'group'];
    const flags: Record<string, unknown> = { logLevel: 'silent', 'rateLimit.perClient.enabled': true, 'rateLimit.perClient.limit': 1 };
    for (const n of names) flags[`rateLimit.${n}.defaultLimit`] = 1;
    const { config } = loadConfig({ flags });
    const metrics = new NodeMetrics();
    try {
      const core = createRegistryCore(config, { clock: systemClock, logger: silentLogger, metrics, bus: new ChangeBus(() => undefined), scheduler: { add: () => undefined } });
      const all = reachable(core.limiters);
      expect(rateLimiters(core.limiters).sort((a, b) => a.id.localeCompare(b.id))).toEqual(all.sort((a, b) => a.id.localeCompare(b.id)));
      expect(all).toHaveLength(names.length);
      for (const limiter of all) {
        expect(limiter.tryAcquire('probe')).toBe(true);
        expect(limiter.tryAcquire('probe')).toBe(false);
      }
      expect(core.clientLimiter.tryAcquire('10.0.0.1')).toBe(true);
      expect(core.clientLimiter.tryAcquire('10.0.0.1')).toBe(false);
      const text = await metrics.text();
      for (const limiter of all) expect(text).toContain(`artemis_rate_limited_total{limiter="${limiter.id}",identity="probe"} 1\n`);
      expect(text).toContain(`artemis_rate_limited_total{limiter="${core.clientLimiter.id}",identity="client"} 1\n`);
      expect(text.match(/^artemis_rate_limited_total\{/gm)).toHaveLength(all.length + 1);
    } finally {
      metrics.close();
    }
  });
});

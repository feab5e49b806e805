import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';

describe('rateLimit.operator', () => {
  it('defaults to 300 status reads per identity and window, beside the Java-sized status limits', () => {
    const rl = configSchema.parse({}).rateLimit;
    expect(rl.operator).toEqual({ enabled: true, defaultLimit: 300, limits: {} });
    expect(rl.status).toEqual({ enabled: true, defaultLimit: 30, limits: { 'get-leases': 10 } });
  });
});

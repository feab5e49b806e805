import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_MAX_DELAY_METRIC } from '../../telemetry/event-loop-stalls.js';
import { NodeMetrics } from '../../telemetry/metrics.js';
import { batchBody, type Fleet } from './fleet.js';
import { readServerSample, readStallGauge } from './server-metrics.js';
import { HeartbeatFrames } from './ws-heartbeat.js';

const fleet: Fleet = { regionId: 'r', zoneId: 'z', prefix: 'p', count: 250, services: 3, metadataBytes: 0 };

describe('heartbeat frames', () => {
  it('cover the fleet in frames of the batch, the last one shorter, the same bodies whether kept built or not', () => {
    const kept = new HeartbeatFrames(fleet, 100);
    const built = new HeartbeatFrames(fleet, 100, 0);
    expect(kept.prebuilt).toBe(true);
    expect(built.prebuilt).toBe(false);
    expect(kept.count).toBe(3);
    expect([0, 1, 2].map((f) => kept.size(f))).toEqual([100, 100, 50]);
    for (let f = 0; f < 3; f++) {
      expect(kept.body(f).toString()).toBe(batchBody(fleet, f * 100, kept.size(f)));
      expect(built.body(f).equals(kept.body(f))).toBe(true);
    }
    expect((JSON.parse(kept.body(2).toString()) as { instances: unknown[] }).instances).toHaveLength(50);
  });

  it('are built as they are sent when all of them would take more than the limit', () => {
    const oneFrame = new HeartbeatFrames(fleet, 100).body(0).length;
    expect(new HeartbeatFrames(fleet, 100, oneFrame * 3).prebuilt).toBe(true);
    expect(new HeartbeatFrames(fleet, 100, oneFrame * 3 - 1).prebuilt).toBe(false);
  });
});

describe('stall gauge', () => {
  it('is read from the sample line alone, not from its help or type line, and agrees with the full reader', async () => {
    const metrics = new NodeMetrics({ version: '1.0.0' });
    const text = await metrics.text();
    expect(readStallGauge(text)).toBeCloseTo(readServerSample(text).maxStallMs, 9);
    const made = `# HELP ${EVENT_LOOP_MAX_DELAY_METRIC} 3\n# TYPE ${EVENT_LOOP_MAX_DELAY_METRIC} gauge\n${EVENT_LOOP_MAX_DELAY_METRIC} 0.0425\nnext 1\n`;
    expect(readStallGauge(`x 1\n${made}`)).toBeCloseTo(42.5, 9);
    expect(readStallGauge(`x 1\n${EVENT_LOOP_MAX_DELAY_METRIC} 0.5`)).toBeCloseTo(500, 9);
  });

  it('is null when the line is missing or not a number', () => {
    expect(readStallGauge('x 1\n')).toBeNull();
    expect(readStallGauge(`x 1\n${EVENT_LOOP_MAX_DELAY_METRIC} soon\n`)).toBeNull();
    expect(readStallGauge(`x 1\n${EVENT_LOOP_MAX_DELAY_METRIC}_total 3\n`)).toBeNull();
  });
});

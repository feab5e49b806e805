/**
 * Counts events over a sliding window made of fixed buckets (1 s by default): the total covers
 * the current bucket and the previous `window / bucket - 1` ones. Used by rate limiters and the
 * self-preservation checker. No allocation per event.
 */
export class SlidingWindowCounter {
  private readonly counts: Float64Array;
  private readonly bucketIds: Float64Array;
  readonly windowMs: number;

  constructor(windowMs: number, private readonly bucketMs = 1000) {
    if (!(bucketMs > 0) || !(windowMs >= bucketMs)) throw new RangeError('window must be at least one bucket');
    const buckets = Math.floor(windowMs / bucketMs);
    this.windowMs = buckets * bucketMs;
    this.counts = new Float64Array(buckets);
    this.bucketIds = new Float64Array(buckets).fill(-1);
  }

  private slot(now: number): number {
    const id = Math.floor(now / this.bucketMs);
    const idx = id % this.counts.length;
    if (this.bucketIds[idx] !== id) {
      this.bucketIds[idx] = id;
      this.counts[idx] = 0;
    }
    return idx;
  }

  add(now: number, delta = 1): void {
    const idx = this.slot(now);
    this.counts[idx] = (this.counts[idx] ?? 0) + delta;
  }

  total(now: number): number {
    const current = Math.floor(now / this.bucketMs);
    const oldest = current - this.counts.length + 1;
    let sum = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const id = this.bucketIds[i] ?? -1;
      if (id >= oldest && id <= current) sum += this.counts[i] ?? 0;
    }
    return sum;
  }

  reset(): void {
    this.counts.fill(0);
    this.bucketIds.fill(-1);
  }
}

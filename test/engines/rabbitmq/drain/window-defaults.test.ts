import { windowDefaults } from '../../../../src/engines/rabbitmq/drain/relay.js';

describe('windowDefaults', () => {
  const counts = Array.from({ length: 64 }, (_, i) => i + 1);

  it('keeps the rounds in flight and the round being filled within the prefetch', () => {
    for (const n of counts) {
      const w = windowDefaults(n);
      expect((w.maxBatchesInFlight + 1) * w.batchSize).toBeLessThanOrEqual(w.prefetch);
    }
  });

  it('gives a queue drained alone the deepest window and shrinks it as more queues share it, never below 4,000', () => {
    const prefetches = counts.map((n) => windowDefaults(n).prefetch);
    expect(prefetches[0]).toBe(16_000);
    expect(Math.min(...prefetches)).toBe(4_000);
    for (let i = 1; i < prefetches.length; i++) expect(prefetches[i]).toBeLessThanOrEqual(prefetches[i - 1] as number);
    // The queues drained at once hold at most the shared window, or 4,000 each when that is more.
    for (const n of counts) expect(windowDefaults(n).prefetch * n).toBeLessThanOrEqual(Math.max(32_000, 4_000 * n));
  });
});

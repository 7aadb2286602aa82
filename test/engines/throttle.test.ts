import { jest } from '@jest/globals';
import { checkThrottle, RateLimiter, Semaphore, WallClock } from '../../src/engines/throttle.js';

describe('drain throttle', () => {
  let now = 1_000_000;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('lets one burst through, then holds callers back in the order they reserve, at the rate', () => {
    const limiter = new RateLimiter(1000, 100);
    expect(limiter.reserve(100)).toBe(0);
    // Two rounds reserved at once: the second waits for the first.
    expect(limiter.reserve(100)).toBe(100);
    expect(limiter.reserve(100)).toBe(200);
    now += 200;
    expect(limiter.reserve(50)).toBe(50);
    // Held back: [t, t+100] ∪ [t, t+200] ∪ [t+200, t+250] = 250 ms of wall clock.
    expect(limiter.held.total).toBe(250);
  });

  it('never passes more than burst + rate x time over any stretch', () => {
    const limiter = new RateLimiter(2000, 200);
    let released = 0;
    const start = now;
    for (let i = 0; i < 200; i++) {
      const wait = limiter.reserve(37);
      now += wait;
      released += 37;
      expect(released).toBeLessThanOrEqual(200 + 37 + ((now - start) * 2000) / 1000);
      now += i % 3;
    }
    // ...and does not hold back much more than it must.
    expect(now - start).toBeLessThanOrEqual(((released - 200) * 1000) / 2000 + 200 + 1);
  });

  it('does not bank unused time beyond one burst', () => {
    const limiter = new RateLimiter(100, 10);
    now += 60_000;
    expect(limiter.reserve(10)).toBe(0);
    expect(limiter.reserve(10)).toBe(100);
  });

  it('counts overlapping waits once', () => {
    const clock = new WallClock();
    clock.add(0, 100);
    clock.add(50, 150);
    clock.add(200, 210);
    expect(clock.total).toBe(160);
  });

  it('holds a semaphore to its limit and hands slots over first come, first served', async () => {
    const semaphore = new Semaphore(2);
    const order: string[] = [];
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    const c = semaphore.acquire().then((release) => (order.push('c'), release));
    const d = semaphore.acquire().then((release) => (order.push('d'), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    a();
    a(); // releasing twice frees one slot
    const releaseC = await c;
    expect(order).toEqual(['c']);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    expect(semaphore.peak).toBe(2);
    releaseC();
    releaseD();
  });

  it('refuses limits that make no sense', () => {
    expect(() => checkThrottle({ messagesPerSecond: -1 })).toThrow(RangeError);
    expect(() => checkThrottle({ messagesPerSecond: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => checkThrottle({ maxTargetConnections: 1.5 })).toThrow(RangeError);
    expect(() => checkThrottle({ messagesPerSecond: 0.5, maxSourceConnections: 1, maxTargetConnections: 3 })).not.toThrow();
  });
});

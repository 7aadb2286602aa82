/**
 * Limits that keep a drain from overloading a broker production still uses: a message rate shared
 * by every queue of one drain call, and a cap on open connections. Used by the RabbitMQ relay and
 * by the ActiveMQ drain.
 */

export interface ThrottleOptions {
  /** Messages per second across all queues of one drain call (a token bucket; bursts of at most one round). */
  messagesPerSecond?: number;
  /** Connections to the source open at once, at most. */
  maxSourceConnections?: number;
  /** Connections to the target open at once, at most. */
  maxTargetConnections?: number;
}

/** What the limits held back, for the report. */
export interface ThrottleSummary {
  messagesPerSecond?: number;
  maxSourceConnections?: number;
  maxTargetConnections?: number;
  /** Wall-clock time during which the rate limit held at least one message back. */
  throttledMs: number;
  /** Wall-clock time during which at least one queue waited for a connection under the cap. */
  connectionWaitMs: number;
  /** Connections open at once, at most, on each side. */
  peakSourceConnections: number;
  peakTargetConnections: number;
}

/** The union of [start, end] intervals (starts never decrease), in ms. */
export class WallClock {
  private coveredUntil = 0;
  total = 0;

  add(start: number, end: number): void {
    if (end <= this.coveredUntil || end <= start) return;
    this.total += end - Math.max(start, this.coveredUntil);
    this.coveredUntil = end;
  }
}

export function checkThrottle(throttle: ThrottleOptions | undefined): void {
  if (!throttle) return;
  const { messagesPerSecond, maxSourceConnections, maxTargetConnections } = throttle;
  if (messagesPerSecond !== undefined && !(messagesPerSecond > 0 && Number.isFinite(messagesPerSecond))) throw new RangeError(`throttle.messagesPerSecond must be a positive number, not ${messagesPerSecond}`);
  for (const [name, value] of [['maxSourceConnections', maxSourceConnections], ['maxTargetConnections', maxTargetConnections]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new RangeError(`throttle.${name} must be an integer of at least 1, not ${value}`);
  }
}

/**
 * A token bucket of `burst` tokens refilled at `perSecond`. `reserve(n)` takes n tokens at once,
 * going into debt if need be, and says how long to wait before using them: callers are served in
 * the order they reserve, and over any interval no more than `burst` + perSecond x duration
 * (+ one reservation) pass.
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  readonly held = new WallClock();

  constructor(readonly perSecond: number, readonly burst: number) {
    this.tokens = burst;
  }

  /** Ms to wait before using n tokens (0: use them now). */
  reserve(n: number): number {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= n;
    if (this.tokens >= 0) return 0;
    const wait = Math.ceil((-this.tokens * 1000) / this.perSecond);
    this.held.add(now, now + wait);
    return wait;
  }

  /** Waits until n tokens may be used. */
  async take(n: number): Promise<void> {
    const wait = this.reserve(n);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** At most `limit` holders at once, served first come, first served. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  peak = 0;

  constructor(readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter.
      if (next) next();
      else this.active--;
    };
  }
}

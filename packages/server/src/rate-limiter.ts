/** Message rate limit of one connection: a token bucket. */
export interface RateLimitOptions {
  /** Messages accepted at once after a quiet period. Default 2,000. */
  readonly burst?: number;
  /** Sustained messages per second. Default 1,000. */
  readonly perSecond?: number;
}

/** Default burst of the per-connection rate limit. */
export const DEFAULT_RATE_LIMIT_BURST = 2000;
/** Default sustained rate of the per-connection rate limit. */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 1000;

/** What the limiter says about one message. */
export type RateDecision = 'accept' | 'reject' | 'abuse';

/**
 * A token bucket without timers: tokens refill lazily when a message arrives.
 * A message without a token is rejected; more consecutive rejections than the
 * burst size is sustained abuse (the connection is then closed). One per
 * connection, so a few fields and no closure.
 */
export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;
  #strikes = 0;

  constructor(options: RateLimitOptions, now: () => number = Date.now) {
    this.#burst = options.burst ?? DEFAULT_RATE_LIMIT_BURST;
    this.#perMs = (options.perSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND) / 1000;
    this.#now = now;
    this.#tokens = this.#burst;
    this.#refilledAt = now();
  }

  /** Takes a token for one message and says what to do with it. */
  take(): RateDecision {
    const time = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (time - this.#refilledAt) * this.#perMs);
    this.#refilledAt = time;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#strikes = 0;
      return 'accept';
    }
    this.#strikes += 1;
    return this.#strikes > this.#burst ? 'abuse' : 'reject';
  }
}

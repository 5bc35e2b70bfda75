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
 * burst size is sustained abuse (the connection is then closed).
 */
export function createRateLimiter(options: RateLimitOptions, now: () => number = Date.now): () => RateDecision {
  const burst = options.burst ?? DEFAULT_RATE_LIMIT_BURST;
  const perMs = (options.perSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND) / 1000;
  let tokens = burst;
  let refilledAt = now();
  let strikes = 0;
  return () => {
    const time = now();
    tokens = Math.min(burst, tokens + (time - refilledAt) * perMs);
    refilledAt = time;
    if (tokens >= 1) {
      tokens -= 1;
      strikes = 0;
      return 'accept';
    }
    strikes += 1;
    return strikes > burst ? 'abuse' : 'reject';
  };
}

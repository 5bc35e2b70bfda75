/** Reconnection policy of the client. */
export interface ReconnectOptions {
  /** Upper bound of the first retry delay. Default 250 ms. */
  readonly initialDelayMs?: number;
  /** Cap of the retry delay. Default 10 s. */
  readonly maxDelayMs?: number;
  /** Attempts before giving up (the client then closes). Default: unlimited. */
  readonly maxAttempts?: number;
}

/** Default upper bound of the first reconnection delay. */
export const DEFAULT_INITIAL_DELAY_MS = 250;
/** Default cap of the reconnection delay. */
export const DEFAULT_MAX_DELAY_MS = 10_000;

/**
 * Capped exponential backoff with full jitter: attempt `n` (from 1) waits a
 * uniformly random time in `[0, min(maxDelayMs, initialDelayMs · 2^(n-1))]`, so
 * clients that lost the same server do not come back in lockstep.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const cap = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const ceiling = Math.min(cap, initial * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(random() * ceiling);
}

import type { Logger } from '@wirecall/server';
import type { Redis } from 'ioredis';

/** Options of {@link createRedisEventLogs}. */
export interface RedisEventLogsOptions {
  /**
   * The connection for commands (`XADD`, `XRANGE`, `CLIENT UNBLOCK`). The logs
   * make one more, with `redis.duplicate()`, for their blocking reads. `close()`
   * closes that one, not this.
   */
  readonly redis: Redis;
  /** Events each stream keeps for replay, at least (`XADD … MAXLEN ~`: Redis trims in whole nodes). Default 1000. */
  readonly maxEvents?: number;
  /**
   * Events older than this (ms) are trimmed on the next publish (`XTRIM … MINID ~`,
   * Redis 6.2+). Entry ids carry Redis's clock and the bound is taken from this
   * process's, so keep the clocks in sync. Default: no age limit.
   */
  readonly maxAgeMs?: number;
  /**
   * Events of each stream held in this process while it has subscribers here:
   * those that keep up are served from memory, the others read Redis. Default 1024.
   */
  readonly localEvents?: number;
  /** Where failed reads (they are retried) and entries that hold no event are reported. Default: standard error. */
  readonly logger?: Pick<Logger, 'error' | 'warn'>;
}

/** Default of {@link RedisEventLogsOptions.maxEvents}. */
export const DEFAULT_REDIS_MAX_EVENTS = 1000;
/** Default of {@link RedisEventLogsOptions.localEvents}. */
export const DEFAULT_REDIS_LOCAL_EVENTS = 1024;

/** Checks a positive integer option. */
export function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

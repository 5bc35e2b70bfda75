/**
 * Wirecall on several server instances: resumable event logs on Redis streams,
 * shared by every instance.
 * @module
 */
export { createRedisEventLogs, type RedisEventLogs } from './redis-event-logs.js';
export type { RedisEventLog } from './stream-log.js';
export { DEFAULT_REDIS_MAX_EVENTS, DEFAULT_REDIS_LOCAL_EVENTS, type RedisEventLogsOptions } from './options.js';

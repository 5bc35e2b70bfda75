import { stderrLogger } from '@wirecall/server';

import { DEFAULT_REDIS_LOCAL_EVENTS, DEFAULT_REDIS_MAX_EVENTS, positiveInteger, type RedisEventLogsOptions } from './options.js';
import { StreamLog, type LogContext, type RedisEventLog } from './stream-log.js';
import { StreamReader } from './stream-reader.js';

/** The event logs of one process on one Redis: one blocking connection reads them all. */
export interface RedisEventLogs {
  /**
   * The event log on the stream `key`: the same object for the same key for as
   * long as anything holds it (your code, or a subscriber). A log costs nothing
   * in Redis until it is published to or subscribed to; in this process, it holds
   * events only while it has subscribers here, and is collected with its entry
   * here once nothing refers to it (so a key per user or per document is fine).
   */
  readonly log: <TEvent>(key: string) => RedisEventLog<TEvent>;
  /**
   * Ends every subscription (their clients' subscriptions complete) and closes
   * the blocking connection. Publishing afterwards fails. The `redis` connection
   * of the options stays open.
   */
  readonly close: () => Promise<void>;
}

/**
 * Event logs shared by every server instance on one Redis, each on a Redis
 * stream: an event published on one instance reaches the subscribers of all,
 * and a client that reconnects to another instance resumes where it left off
 * (event ids are the stream's entry ids).
 *
 * @example
 * const logs = createRedisEventLogs({ redis: new Redis(process.env.REDIS_URL) });
 * const room = (name: string) => logs.log<Message>(`chat:${name}`);
 * const handlers = {
 *   send: async ({ input }) => { await room(input.room).publish(toMessage(input)); },
 *   messages: ({ input, lastEventId, signal }) => room(input.room).subscribe({ lastEventId, signal }),
 * };
 */
export function createRedisEventLogs(options: RedisEventLogsOptions): RedisEventLogs {
  const logger = options.logger ?? stderrLogger;
  const maxEvents = positiveInteger(options.maxEvents ?? DEFAULT_REDIS_MAX_EVENTS, 'maxEvents');
  const maxAgeMs = options.maxAgeMs === undefined ? undefined : positiveInteger(options.maxAgeMs, 'maxAgeMs');
  const localEvents = positiveInteger(options.localEvents ?? DEFAULT_REDIS_LOCAL_EVENTS, 'localEvents');
  let closed = false;
  // Opens the blocking connection: after the options are checked.
  const reader = new StreamReader(options.redis, logger);
  const context: LogContext = {
    commands: options.redis,
    logger,
    maxEvents,
    maxAgeMs,
    localEvents,
    read: (log) => {
      reader.add(log);
    },
    unread: (log) => {
      reader.remove(log);
    },
    closed: () => closed,
  };
  // Weakly: a log nobody holds has no subscribers (they hold it), and is forgotten when collected.
  const logs = new Map<string, WeakRef<StreamLog<unknown>>>();
  const collected = new FinalizationRegistry<string>((key) => {
    if (logs.get(key)?.deref() === undefined) logs.delete(key);
  });

  return {
    log<TEvent>(key: string): RedisEventLog<TEvent> {
      let log = logs.get(key)?.deref();
      if (log === undefined) {
        log = new StreamLog<unknown>(key, context);
        logs.set(key, new WeakRef(log));
        collected.register(log, key);
      }
      return log as StreamLog<TEvent>;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const log of logs.values()) log.deref()?.end();
      await reader.close();
    },
  };
}

import { Gap, type Tracked } from '@wirecall/server';
import { withTimeout } from '@wirecall/testing';
import type { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';

import { createRedisEventLogs, type RedisEventLogs, type RedisEventLogsOptions } from '../src/index.js';

let keys = 0;

/** A stream key no other test uses. */
export function uniqueKey(): string {
  keys += 1;
  return `test:${String(process.pid)}:${String(keys)}`;
}

/** Event logs on `redis`, closed when the test finishes. */
export function eventLogs(redis: Redis, options: Omit<RedisEventLogsOptions, 'redis'> = {}): RedisEventLogs {
  const logs = createRedisEventLogs({ redis, ...options });
  onTestFinished(() => logs.close());
  return logs;
}

/** What a subscriber received, in a form tests compare. */
export type Received<TEvent> = { readonly id: string; readonly data: TEvent } | { readonly gap: string };

function describeItem<TEvent>(item: Tracked<TEvent> | Gap): Received<TEvent> {
  return item instanceof Gap ? { gap: item.reason } : { id: item.id, data: item.data };
}

/** Reads items of `iterator` until `count` have come, within `timeoutMs`. */
export async function take<TEvent>(
  iterator: AsyncIterator<Tracked<TEvent> | Gap>,
  count: number,
  timeoutMs = 5000,
): Promise<Received<TEvent>[]> {
  const items: Received<TEvent>[] = [];
  const read = async (): Promise<void> => {
    while (items.length < count) {
      const step = await iterator.next();
      if (step.done === true) throw new Error(`the subscription ended after ${String(items.length)} of ${String(count)} items`);
      items.push(describeItem(step.value));
    }
  };
  await withTimeout(read(), timeoutMs, `${String(count)} items`);
  return items;
}

/** A subscription's iterator, ended when the test finishes. */
export function subscriber<TEvent>(iterable: AsyncIterable<Tracked<TEvent> | Gap>): AsyncIterator<Tracked<TEvent> | Gap> {
  const iterator = iterable[Symbol.asyncIterator]();
  onTestFinished(async () => {
    await iterator.return?.();
  });
  return iterator;
}

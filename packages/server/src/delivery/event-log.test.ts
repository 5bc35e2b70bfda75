import { describe, expect, it, vi } from 'vitest';

import { createEventLog } from './event-log.js';
import { pushSourceOf } from './push-source.js';
import { Gap, type Tracked } from './tracked.js';

type Item = Tracked<number> | Gap;

const readers = new WeakMap<AsyncIterator<Item>, Promise<IteratorResult<Item>>>();

/** Reads the items a subscriber has available now; a read that would wait is kept for the next call. */
async function drain(iterator: AsyncIterator<Item>): Promise<(number | string)[]> {
  const seen: (number | string)[] = [];
  for (;;) {
    const pending = readers.get(iterator) ?? iterator.next();
    readers.delete(iterator);
    const step = await Promise.race([pending, new Promise<'waiting'>((resolve) => setImmediate(() => { resolve('waiting'); }))]);
    if (step === 'waiting') {
      readers.set(iterator, pending);
      return seen;
    }
    if (step.done === true) return seen;
    seen.push(step.value instanceof Gap ? `gap:${step.value.reason}` : step.value.data);
  }
}

describe('createEventLog', () => {
  it('assigns ordered ids and replays what follows an id', async () => {
    const log = createEventLog<number>();
    const ids = [10, 11, 12].map((n) => log.publish(n));
    expect(new Set(ids).size).toBe(3);
    expect(log.lastEventId()).toBe(ids[2]);
    const iterator = log.subscribe({ lastEventId: ids[0] })[Symbol.asyncIterator]();
    expect(await drain(iterator)).toEqual([11, 12]);
    log.publish(13);
    expect(await drain(iterator)).toEqual([13]);
  });

  it('starts live without an id, and reports ids of another log as unknown', async () => {
    const log = createEventLog<number>();
    log.publish(1);
    expect(await drain(log.subscribe()[Symbol.asyncIterator]())).toEqual([]);
    const other = createEventLog<number>().publish(1);
    expect(await drain(log.subscribe({ lastEventId: other })[Symbol.asyncIterator]())).toEqual(['gap:unknown']);
    expect(await drain(log.subscribe({ lastEventId: 'garbage' })[Symbol.asyncIterator]())).toEqual(['gap:unknown']);
  });

  it('forgets beyond maxEvents: a resume from before that is an expired gap', async () => {
    const log = createEventLog<number>({ maxEvents: 2 });
    const first = log.publish(0);
    const second = log.publish(1);
    log.publish(2);
    log.publish(3);
    expect(await drain(log.subscribe({ lastEventId: first })[Symbol.asyncIterator]())).toEqual(['gap:expired']);
    // The event right after `second` is the oldest kept: no gap.
    expect(await drain(log.subscribe({ lastEventId: second })[Symbol.asyncIterator]())).toEqual([2, 3]);
  });

  it('forgets beyond maxAgeMs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const log = createEventLog<number>({ maxAgeMs: 1000 });
      const first = log.publish(0);
      log.publish(1);
      vi.setSystemTime(Date.now() + 1001);
      log.publish(2);
      expect(await drain(log.subscribe({ lastEventId: first })[Symbol.asyncIterator]())).toEqual(['gap:expired']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('tells a subscriber that fell behind the retention, then goes on live', async () => {
    const log = createEventLog<number>({ maxEvents: 2 });
    const iterator = log.subscribe()[Symbol.asyncIterator]();
    for (let n = 0; n < 5; n += 1) log.publish(n);
    expect(await drain(iterator)).toEqual(['gap:expired']);
    log.publish(5);
    expect(await drain(iterator)).toEqual([5]);
  });

  it('ends a waiting subscriber at once on return() or when its signal aborts', async () => {
    const log = createEventLog<number>();
    const iterator = log.subscribe()[Symbol.asyncIterator]();
    const waiting = iterator.next();
    await iterator.return?.();
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });

    const controller = new AbortController();
    const aborted = log.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();
    const pending = aborted.next();
    controller.abort();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });

  it('wakes a pushed subscriber once per watch, and one that stopped not at all', () => {
    const log = createEventLog<number>();
    const push = pushSourceOf<unknown>(log.subscribe()[Symbol.asyncIterator]());
    const controller = new AbortController();
    const stopped = pushSourceOf<unknown>(log.subscribe({ signal: controller.signal })[Symbol.asyncIterator]());
    if (push === undefined || stopped === undefined) throw new Error('an event log iterator has a push source');
    let woken = 0;
    let stoppedWoken = 0;
    push.watch(() => (woken += 1));
    stopped.watch(() => (stoppedWoken += 1));
    controller.abort();
    // Stopping wakes the stopped subscriber once, so that it sees its end.
    expect(stoppedWoken).toBe(1);
    log.publish(1);
    log.publish(2);
    expect(woken).toBe(1);
    push.watch(() => (woken += 1));
    log.publish(3);
    expect([woken, stoppedWoken]).toEqual([2, 1]);
    expect([push.take(), push.take(), push.take(), push.take()].map((item) => (item as { data?: number } | undefined)?.data)).toEqual([
      1,
      2,
      3,
      undefined,
    ]);
  });

  it('refuses retention bounds that are not positive integers', () => {
    expect(() => createEventLog({ maxEvents: 0 })).toThrow(RangeError);
    expect(() => createEventLog({ maxAgeMs: 1.5 })).toThrow(RangeError);
  });
});

import { defineContract, subscription } from '@wirecall/schema';
import { pushIterable, tracked, type PushCursor, type Tracked } from '@wirecall/server';
import { eventually, rawClient, startTestServer } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const api = defineContract({ feed: subscription({ event: z.number(), resumable: true }) });

/** A cursor over a queue the test fills, which the test can also end (as a closed log would). */
function queueCursor() {
  const queue: Tracked<number>[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let stops = 0;
  const notify = (): void => {
    const pending = wake;
    wake = undefined;
    pending?.();
  };
  const cursor: PushCursor<Tracked<number>> = {
    take: () => (ended ? undefined : queue.shift()),
    watch: (onReady) => {
      wake = onReady;
    },
    ended: () => ended,
    stop: () => {
      stops += 1;
      ended = true;
      notify();
    },
  };
  return {
    cursor,
    push(value: number) {
      queue.push(tracked(String(value), value));
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    stops: () => stops,
  };
}

describe('pushIterable', () => {
  it('yields what the cursor holds, waits for more, and ends when the signal aborts (stopping the cursor once)', async () => {
    const source = queueCursor();
    const controller = new AbortController();
    const iterator = pushIterable(source.cursor, controller.signal)[Symbol.asyncIterator]();
    source.push(1);
    await expect(iterator.next()).resolves.toEqual({ done: false, value: tracked('1', 1) });
    const waiting = iterator.next();
    source.push(2);
    await expect(waiting).resolves.toEqual({ done: false, value: tracked('2', 2) });
    const pending = iterator.next();
    controller.abort();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await iterator.return?.();
    expect(source.stops()).toBe(1);
  });

  it('ends at once on a signal that is already aborted', async () => {
    const source = queueCursor();
    source.push(1);
    const iterator = pushIterable(source.cursor, AbortSignal.abort())[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
    expect(source.stops()).toBe(1);
  });

  it('completes a server subscription when the cursor ends by itself, after delivering what it held', async () => {
    const source = queueCursor();
    let subscribed = false;
    const { url } = await startTestServer(api, {
      handlers: {
        feed: ({ signal }) => {
          subscribed = true;
          return pushIterable(source.cursor, signal);
        },
      },
    });
    const raw = await rawClient(url);
    raw.send({ type: 'subscribe', id: 's', path: 'feed' });
    await eventually(() => subscribed, 'the subscription to start');
    source.push(7);
    await expect(raw.nextMessage()).resolves.toEqual({ type: 'event', id: 's', data: 7, eventId: '7' });
    source.end();

    await expect(raw.nextMessage()).resolves.toEqual({ type: 'complete', id: 's' });
  });
});

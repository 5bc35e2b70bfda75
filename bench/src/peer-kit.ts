/**
 * Helpers shared by the peer adapters: a broadcast hub for frameworks whose
 * subscriptions are async iterables, and a drain wait on a TCP socket.
 * @module
 */
import type { Socket } from 'node:net';

/** Fans published values out to async-iterable subscribers, each with its own queue. */
export interface Hub<TValue> {
  readonly publish: (value: TValue) => void;
  /** Live subscribers. */
  readonly size: () => number;
  /** Largest number of values queued for one subscriber. */
  readonly backlog: () => number;
  /** Yields every value published from now on, until `signal` aborts. */
  readonly subscribe: (signal: AbortSignal) => AsyncGenerator<TValue, void>;
}

interface Subscriber<TValue> {
  queue: TValue[];
  head: number;
  wake: (() => void) | undefined;
}

/** Creates a hub. */
export function createHub<TValue>(): Hub<TValue> {
  const subscribers = new Set<Subscriber<TValue>>();

  async function* subscribe(signal: AbortSignal): AsyncGenerator<TValue, void> {
    const subscriber: Subscriber<TValue> = { queue: [], head: 0, wake: undefined };
    const onAbort = (): void => {
      subscriber.wake?.();
    };
    subscribers.add(subscriber);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        if (subscriber.head === subscriber.queue.length) {
          subscriber.queue = [];
          subscriber.head = 0;
          await new Promise<void>((resolve) => {
            subscriber.wake = resolve;
          });
          subscriber.wake = undefined;
          continue;
        }
        const value = subscriber.queue[subscriber.head] as TValue;
        subscriber.head += 1;
        yield value;
      }
    } finally {
      subscribers.delete(subscriber);
      signal.removeEventListener('abort', onAbort);
    }
  }

  return {
    publish(value) {
      for (const subscriber of subscribers) {
        subscriber.queue.push(value);
        subscriber.wake?.();
      }
    },
    size: () => subscribers.size,
    backlog() {
      let largest = 0;
      for (const subscriber of subscribers) largest = Math.max(largest, subscriber.queue.length - subscriber.head);
      return largest;
    },
    subscribe,
  };
}

/** Events a push loop sends between two yields to the event loop. */
export const EVENTS_PER_TURN = 1024;

/**
 * Resolves on the event loop's next turn (a macrotask). Push loops await it
 * every `EVENTS_PER_TURN` events: on loopback the kernel often takes every
 * write at once, so a loop that only waited for backpressure would never let
 * its server read anything else, such as the client's unsubscribe.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves once the socket's outgoing buffer is below `highWaterMarkBytes`. For
 * frameworks that offer no backpressure of their own, a push loop awaits this
 * before each event. `'drain'` comes once the buffer is empty.
 */
export async function waitWritable(socket: Socket, highWaterMarkBytes: number): Promise<void> {
  while (socket.writableLength >= highWaterMarkBytes && !socket.destroyed) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done).off('close', done);
        resolve();
      };
      socket.on('drain', done).on('close', done);
    });
  }
}

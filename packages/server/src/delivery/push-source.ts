/**
 * The internal side door of an event log's iterator: the server takes what is
 * ready synchronously and is called back, synchronously, when the log
 * publishes. A subscriber that keeps up then costs no promise per event.
 */
export const PUSH_SOURCE = Symbol('wirecall.pushSource');

/** What an iterator offers under `PUSH_SOURCE`. */
export interface PushSource<TItem> {
  /** The next item if one is ready now; `undefined` when the subscriber must wait, or has ended. */
  readonly take: () => TItem | undefined;
  /** Calls `onReady` once, synchronously, the next time an item may be ready (or the iterator ends). */
  readonly watch: (onReady: () => void) => void;
  /**
   * Whether the iterator has ended (its consumer left, or the log ended it, e.g.
   * on close): nothing more will be ready, and `watch` must not be called.
   */
  readonly ended: () => boolean;
}

/** The push source of an iterator, if it has one. */
export function pushSourceOf<TItem>(iterator: object): PushSource<TItem> | undefined {
  return (iterator as { [PUSH_SOURCE]?: PushSource<TItem> })[PUSH_SOURCE];
}

/**
 * One subscriber's place in an event log, for {@link pushIterable}. Implement it
 * to write an event log of your own (over Redis, a database, a message bus)
 * whose subscribers the server feeds without a promise per event. Its methods
 * are called on the cursor (a class works).
 */
export interface PushCursor<TItem> extends PushSource<TItem> {
  /** Ends the subscription (the consumer left): from now on `ended()` is true, and a pending `watch` is called. Called once. */
  readonly stop: () => void;
}

/**
 * An async iterable over `cursor`, ended by `signal` or by the consumer's
 * `return()`. The Wirecall server reads it synchronously while items are ready
 * (through `take`), so an event costs no promise; other consumers get a plain
 * async iterator.
 *
 * @example
 * function subscribe({ lastEventId, signal }) {
 *   return pushIterable(new MyCursor(lastEventId), signal);
 * }
 */
export function pushIterable<TItem>(cursor: PushCursor<TItem>, signal?: AbortSignal): AsyncIterable<TItem> {
  let stopped = false;
  const stop = (): IteratorReturnResult<undefined> => {
    if (!stopped) {
      stopped = true;
      signal?.removeEventListener('abort', stop);
      cursor.stop();
    }
    return { done: true, value: undefined };
  };
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted === true) stop();

  async function next(): Promise<IteratorResult<TItem, undefined>> {
    for (;;) {
      const item = cursor.take();
      if (item !== undefined) return { done: false, value: item };
      if (cursor.ended()) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        cursor.watch(resolve);
      });
    }
  }

  const iterator: AsyncIterator<TItem, undefined> & { readonly [PUSH_SOURCE]: PushSource<TItem> } = {
    next,
    return: () => Promise.resolve(stop()),
    [PUSH_SOURCE]: cursor,
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

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
}

/** The push source of an iterator, if it has one. */
export function pushSourceOf<TItem>(iterator: object): PushSource<TItem> | undefined {
  return (iterator as { [PUSH_SOURCE]?: PushSource<TItem> })[PUSH_SOURCE];
}

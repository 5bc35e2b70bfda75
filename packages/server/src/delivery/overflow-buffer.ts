import { Gap } from './tracked.js';

/**
 * The events a subscription holds while its subscriber is slow, under the
 * overflow policies that keep pulling the handler (`latest` is a capacity of 1,
 * `dropOldest` a capacity of `maxBuffered`): a ring of at most `capacity`
 * items, the oldest dropped first. When events were dropped, a resumable
 * subscription's next item out is a gap (`'expired'`), so no event vanishes silently.
 */
export class OverflowBuffer {
  readonly #capacity: number;
  readonly #resumable: boolean;
  readonly #items: unknown[] = [];
  #head = 0;
  #size = 0;
  /** Items were dropped since the last one taken. */
  #dropped = false;

  constructor(capacity: number, resumable: boolean) {
    this.#capacity = capacity;
    this.#resumable = resumable;
  }

  /** Number of items held. */
  get size(): number {
    return this.#size;
  }

  /** Holds `item`, dropping the oldest held item when the buffer is full. */
  push(item: unknown): void {
    if (this.#size === this.#capacity) {
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#capacity;
      this.#size -= 1;
      this.#dropped = true;
    }
    this.#items[(this.#head + this.#size) % this.#capacity] = item;
    this.#size += 1;
  }

  /**
   * Takes the next item to send, oldest first; after a drop, a resumable
   * subscription gets `gap('expired')` first (unless the next item is a gap
   * already). Call it only while `size > 0`.
   */
  shift(): unknown {
    const item = this.#items[this.#head];
    if (this.#dropped) {
      this.#dropped = false;
      if (this.#resumable && !(item instanceof Gap)) return new Gap('expired');
    }
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#capacity;
    this.#size -= 1;
    return item;
  }
}

import type { SubscriptionSink } from './subscription.js';

interface Stream {
  readonly consumers: Set<SubscriptionSink<unknown>>;
  /** Ends the subscription on the wire. */
  stop: () => void;
}

/**
 * Subscriptions that share one subscription on the wire: identical requests
 * (same key) join the stream that is already open, every consumer gets every
 * event from the moment it joined, and the wire subscription ends when the
 * last consumer leaves (reference counting).
 */
export class SharedStreams {
  readonly #streams = new Map<string, Stream>();

  /** Number of open wire subscriptions. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Adds `consumer` to the stream of `key`, opening it with `open` if there is
   * none. Returns the function that removes the consumer again.
   */
  join(key: string, consumer: SubscriptionSink<unknown>, open: (fanOut: SubscriptionSink<unknown>) => () => void): () => void {
    let stream = this.#streams.get(key);
    if (stream === undefined) {
      const created: Stream = { consumers: new Set([consumer]), stop: () => undefined };
      this.#streams.set(key, created);
      const ended = (): SubscriptionSink<unknown>[] => {
        if (this.#streams.get(key) === created) this.#streams.delete(key);
        return [...created.consumers];
      };
      created.stop = open({
        next: (event) => {
          for (const each of created.consumers) each.next(event);
        },
        gap: (gap) => {
          for (const each of created.consumers) each.gap(gap);
        },
        error: (error) => {
          for (const each of ended()) each.error(error);
        },
        complete: () => {
          for (const each of ended()) each.complete();
        },
        abort: () => {
          for (const each of ended()) each.abort();
        },
      });
      stream = created;
    } else {
      stream.consumers.add(consumer);
    }
    const joined = stream;
    return () => {
      if (!joined.consumers.delete(consumer) || joined.consumers.size > 0) return;
      if (this.#streams.get(key) === joined) this.#streams.delete(key);
      joined.stop();
    };
  }
}

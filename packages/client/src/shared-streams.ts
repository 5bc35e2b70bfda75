import type { RpcError } from '@wirecall/schema';

import type { SubscriptionGap, SubscriptionSink } from './subscription.js';

/**
 * One subscription on the wire and the consumers that share it: the sink of
 * the wire subscription, handing each event to every consumer. A class, so an
 * event runs shared prototype code instead of per-stream closures.
 */
class SharedStream implements SubscriptionSink<unknown> {
  readonly consumers: Set<SubscriptionSink<unknown>>;
  /** Ends the subscription on the wire (set once it is open). */
  stop: () => void = () => undefined;
  readonly #onEnd: (stream: SharedStream) => void;

  constructor(first: SubscriptionSink<unknown>, onEnd: (stream: SharedStream) => void) {
    this.consumers = new Set([first]);
    this.#onEnd = onEnd;
  }

  next(event: unknown): void {
    for (const each of this.consumers) each.next(event);
  }

  gap(gap: SubscriptionGap): void {
    for (const each of this.consumers) each.gap(gap);
  }

  error(error: RpcError): void {
    for (const each of this.#ended()) each.error(error);
  }

  complete(): void {
    for (const each of this.#ended()) each.complete();
  }

  abort(): void {
    for (const each of this.#ended()) each.abort();
  }

  /** The wire subscription ended: later joiners open a new one; returns the consumers to tell. */
  #ended(): SubscriptionSink<unknown>[] {
    this.#onEnd(this);
    return [...this.consumers];
  }
}

/**
 * Subscriptions that share one subscription on the wire: identical requests
 * (same key) join the stream that is already open, every consumer gets every
 * event from the moment it joined, and the wire subscription ends when the
 * last consumer leaves (reference counting).
 */
export class SharedStreams {
  readonly #streams = new Map<string, SharedStream>();

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
      const created = new SharedStream(consumer, (ended) => {
        this.#forget(key, ended);
      });
      this.#streams.set(key, created);
      created.stop = open(created);
      stream = created;
    } else {
      stream.consumers.add(consumer);
    }
    const joined = stream;
    return () => {
      if (!joined.consumers.delete(consumer) || joined.consumers.size > 0) return;
      this.#forget(key, joined);
      joined.stop();
    };
  }

  #forget(key: string, stream: SharedStream): void {
    if (this.#streams.get(key) === stream) this.#streams.delete(key);
  }
}

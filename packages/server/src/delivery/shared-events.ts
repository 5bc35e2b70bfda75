import type { Schema } from '@wirecall/schema';
import { encodeEventTail, type Codec } from '@wirecall/schema/protocol';

import type { MaybePromise } from '../validate.js';
import type { Tracked } from './tracked.js';

/*
 * An event log hands every subscriber the same `Tracked` object for one event.
 * These caches make the work per event instead of per subscriber: an event is
 * validated once per schema and encoded once per codec. They are weak, so an
 * event leaves them when the log drops it and no subscriber holds it any more.
 * One slot per event: a log read through one procedure by clients of one codec
 * (the common case) never repeats the work; other combinations redo it.
 */

/** One result per event, for one key (a schema, a codec) at a time. */
class PerEvent<TKey, TValue> {
  readonly #byEvent = new WeakMap<Tracked<unknown>, { readonly key: TKey; readonly value: TValue }>();
  /**
   * The last event asked for and its entry, checked first: a publish hands one event
   * to all its subscribers in a row, so each one after the first finds it here
   * without a hash lookup. It holds that event a little longer, which is harmless.
   */
  #lastEvent: Tracked<unknown> | undefined;
  #lastEntry: { readonly key: TKey; readonly value: TValue } | undefined;

  /** The value for `event` and `key`, computed on first use; a `compute` that throws is not remembered. */
  get(event: Tracked<unknown>, key: TKey, compute: (event: Tracked<unknown>, key: TKey) => TValue): TValue {
    let entry = event === this.#lastEvent ? this.#lastEntry : this.#byEvent.get(event);
    if (entry?.key !== key) {
      entry = { key, value: compute(event, key) };
      this.#byEvent.set(event, entry);
    }
    this.#lastEvent = event;
    this.#lastEntry = entry;
    return entry.value;
  }
}

const validated = new PerEvent<Schema, MaybePromise<Tracked<unknown>>>();
const encoded = new PerEvent<Codec, string>();

function encodeTail(event: Tracked<unknown>, codec: Codec): string {
  return encodeEventTail(event.data, event.id, codec);
}

/**
 * The event as `check` validates it against `schema`, computed by the first
 * subscriber and shared with the others (an asynchronous check shares its
 * promise). A check that throws is not remembered: every subscriber fails alike.
 */
export function validateShared(
  event: Tracked<unknown>,
  schema: Schema,
  check: (event: Tracked<unknown>) => MaybePromise<Tracked<unknown>>,
): MaybePromise<Tracked<unknown>> {
  return validated.get(event, schema, check);
}

/**
 * The part of the event's message that is the same for every subscriber (its
 * data, encoded with `codec`, and its id: see `encodeEventTail`), once per event.
 * Throws when the data cannot be encoded.
 */
export function encodeShared(event: Tracked<unknown>, codec: Codec): string {
  return encoded.get(event, codec, encodeTail);
}

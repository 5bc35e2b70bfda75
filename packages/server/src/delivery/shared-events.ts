import { Buffer } from 'node:buffer';

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
 *
 * Whole frames are shared too, for the event sent last: subscribers whose
 * subscription ids are equal get the same UTF-8 bytes, which every socket then
 * writes as they are. Ids are chosen by clients, per connection, so they
 * coincide when clients run the same code (the reference client numbers its
 * requests in the order the application makes them); when they do not, each
 * subscriber gets a frame of its own, as it would without this cache.
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

/** An event message, ready to send: its JSON text, and that text as the UTF-8 bytes sockets write. */
export interface SharedFrame {
  readonly text: string;
  readonly bytes: Uint8Array;
}

/**
 * Most frames kept for one event: a fan-out to subscribers whose ids all
 * differ shares nothing, and must not hold a frame per subscriber.
 */
const MAX_SHARED_FRAMES = 64;

/** The frames of the event (its encoded tail) sent last, by subscription head. */
class LastEventFrames {
  #tail: string | undefined;
  readonly #byHead = new Map<string, SharedFrame>();

  get(head: string, tail: string): SharedFrame {
    if (tail !== this.#tail) {
      this.#tail = tail;
      this.#byHead.clear();
    }
    let frame = this.#byHead.get(head);
    if (frame === undefined) {
      const text = head + tail;
      frame = { text, bytes: Buffer.from(text, 'utf8') };
      if (this.#byHead.size < MAX_SHARED_FRAMES) this.#byHead.set(head, frame);
    }
    return frame;
  }
}

const validated = new PerEvent<Schema, MaybePromise<Tracked<unknown>>>();
const encoded = new PerEvent<Codec, string>();
const frames = new LastEventFrames();

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
 * The event's message for the subscription whose messages start with `head`
 * (its `encodeEventHead`). The part that is the same for every subscriber (the
 * data, encoded with `codec`, and the event id: see `encodeEventTail`) is made
 * once per event, the whole frame once per event and head.
 * Throws when the data cannot be encoded.
 */
export function sharedFrame(event: Tracked<unknown>, codec: Codec, head: string): SharedFrame {
  return frames.get(head, encoded.get(event, codec, encodeTail));
}

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
const validated = new WeakMap<Tracked<unknown>, { readonly schema: Schema; readonly result: MaybePromise<Tracked<unknown>> }>();
const encoded = new WeakMap<Tracked<unknown>, { readonly codec: Codec; readonly tail: string }>();

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
  const cached = validated.get(event);
  if (cached?.schema === schema) return cached.result;
  const result = check(event);
  validated.set(event, { schema, result });
  return result;
}

/**
 * The part of the event's message that is the same for every subscriber (its
 * data, encoded with `codec`, and its id: see `encodeEventTail`), once per event.
 * Throws when the data cannot be encoded.
 */
export function encodeShared(event: Tracked<unknown>, codec: Codec): string {
  const cached = encoded.get(event);
  if (cached?.codec === codec) return cached.tail;
  const tail = encodeEventTail(event.data, event.id, codec);
  encoded.set(event, { codec, tail });
  return tail;
}

import type { Schema } from '@wirecall/schema';
import { encodePayload, type Codec } from '@wirecall/schema/protocol';

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
const encoded = new WeakMap<Tracked<unknown>, { readonly codec: Codec; readonly data: string | undefined }>();

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

/** The event's data encoded with `codec` (see `encodePayload`), once per event. Throws when it cannot be encoded. */
export function encodeShared(event: Tracked<unknown>, codec: Codec): string | undefined {
  const cached = encoded.get(event);
  if (cached?.codec === codec) return cached.data;
  const data = encodePayload(event.data, codec);
  encoded.set(event, { codec, data });
  return data;
}

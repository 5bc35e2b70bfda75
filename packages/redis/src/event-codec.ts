import superjson from 'superjson';

/** The field of a stream entry that holds the event. */
export const EVENT_FIELD = 'e';

/** An event as stored in a stream entry: superjson, so Dates, Maps, Sets and BigInts come back as they went in. */
export function encodeEvent(event: unknown): string {
  return superjson.stringify(event);
}

/**
 * The event of a stream entry's fields (`[name, value, ...]`), or `NOT_AN_EVENT`
 * for an entry no event log wrote (no event field, or not superjson).
 */
export function decodeEvent(fields: readonly string[]): unknown {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] !== EVENT_FIELD) continue;
    try {
      return superjson.parse(fields[index + 1] as string);
    } catch {
      return NOT_AN_EVENT;
    }
  }
  return NOT_AN_EVENT;
}

/** What `decodeEvent` returns for an entry that holds no event. */
export const NOT_AN_EVENT: unique symbol = Symbol('wirecall.redis.notAnEvent');

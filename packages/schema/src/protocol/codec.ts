import superjson from 'superjson';

import { ProtocolError } from './protocol-error.js';

/**
 * Turns payloads (inputs, outputs, events, error data) into JSON-compatible values
 * and back. The envelope around them is always plain JSON; only payloads go
 * through the codec. The codec's `name` is part of the negotiated subprotocol.
 */
export interface Codec {
  /** Lowercase name used in the subprotocol, e.g. `superjson` in `wirecall.v1+superjson`. */
  readonly name: string;
  /** Converts a value into something `JSON.stringify` can carry. */
  readonly encode: (value: unknown) => unknown;
  /** Converts what `encode` produced (after a JSON round trip) back into the value. Throws on malformed input. */
  readonly decode: (wire: unknown) => unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nesting beyond which the plain-JSON check gives up and lets superjson decide. */
const PLAIN_CHECK_DEPTH = 64;

/**
 * Whether `value` survives `JSON.stringify` + `JSON.parse` unchanged: finite
 * numbers other than -0, strings, booleans, null, dense arrays and plain
 * objects of those. Such values need no superjson metadata, and checking is
 * much cheaper than superjson's generic walk.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth > PLAIN_CHECK_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index += 1) {
          if (!(index in value) || !isPlainJson(value[index], depth + 1)) return false;
        }
        return true;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) {
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      return false;
  }
}

/**
 * The default codec: superjson, so `Date`, `Map`, `Set`, `BigInt`, `undefined`,
 * `RegExp` and `URL` survive the trip. Wire form: `{ "json": …, "meta"?: … }`.
 */
export const superjsonCodec: Codec = {
  name: 'superjson',
  encode: (value) => {
    if (isPlainJson(value, 0)) return { json: value };
    const { json, meta } = superjson.serialize(value);
    return meta === undefined ? { json } : { json, meta };
  },
  decode: (wire) => {
    if (!isPlainObject(wire) || !('json' in wire)) {
      throw new ProtocolError('superjson payload must be an object with a "json" field');
    }
    // Without metadata there is nothing to revive: the JSON is the value.
    if (wire.meta === undefined) return wire.json;
    if (!isPlainObject(wire.meta)) {
      throw new ProtocolError('superjson payload "meta" must be an object');
    }
    try {
      return superjson.deserialize({ json: wire.json as never, meta: wire.meta });
    } catch (error) {
      throw new ProtocolError('superjson payload could not be decoded', { cause: error });
    }
  },
};

/** Plain JSON: fastest and smallest, for contracts whose types are all JSON. */
export const jsonCodec: Codec = {
  name: 'json',
  encode: (value) => value,
  decode: (wire) => wire,
};

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

/**
 * The default codec: superjson, so `Date`, `Map`, `Set`, `BigInt`, `undefined`,
 * `RegExp` and `URL` survive the trip. Wire form: `{ "json": …, "meta"?: … }`.
 */
export const superjsonCodec: Codec = {
  name: 'superjson',
  encode: (value) => {
    const { json, meta } = superjson.serialize(value);
    return meta === undefined ? { json } : { json, meta };
  },
  decode: (wire) => {
    if (!isPlainObject(wire) || !('json' in wire)) {
      throw new ProtocolError('superjson payload must be an object with a "json" field');
    }
    if (wire.meta !== undefined && !isPlainObject(wire.meta)) {
      throw new ProtocolError('superjson payload "meta" must be an object');
    }
    try {
      return superjson.deserialize({ json: wire.json as never, meta: wire.meta as never });
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

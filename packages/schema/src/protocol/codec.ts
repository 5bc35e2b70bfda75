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
 * The rich types the superjson codec carries. Anything else superjson knows
 * (RegExp, Error, symbols, registered classes and custom types, typed arrays)
 * is refused in both directions: a RegExp from a client is a ReDoS waiting to
 * happen, and class revival runs code chosen by the sender's metadata.
 */
const ALLOWED_RICH_TYPES: ReadonlySet<string> = new Set(['undefined', 'bigint', 'Date', 'set', 'map', 'number', 'URL']);

/** Longest BigInt accepted, in characters: parsing is superlinear, and a 1 MB one blocks for tens of ms. */
export const MAX_BIGINT_LENGTH = 4096;

/** Deepest metadata tree walked; deeper metadata is refused (payload depth is capped separately). */
const MAX_META_DEPTH = 128;

/** Checks superjson metadata: only allowed type annotations; returns whether a BigInt is among them. */
function checkAnnotations(node: unknown, depth: number): boolean {
  if (depth > MAX_META_DEPTH) throw new ProtocolError('superjson metadata is nested too deeply');
  if (Array.isArray(node)) {
    const [annotation, children] = node as [unknown, unknown];
    if (typeof annotation !== 'string' || !ALLOWED_RICH_TYPES.has(annotation)) {
      const shown = typeof annotation === 'string' ? annotation : JSON.stringify(annotation);
      throw new ProtocolError(`superjson type ${shown.slice(0, 40)} is not accepted`);
    }
    const nested = children === undefined ? false : checkAnnotations(children, depth + 1);
    return annotation === 'bigint' || nested;
  }
  if (!isPlainObject(node)) throw new ProtocolError('superjson metadata is malformed');
  let bigint = false;
  for (const child of Object.values(node)) bigint = checkAnnotations(child, depth + 1) || bigint;
  return bigint;
}

/** Refuses any string longer than `MAX_BIGINT_LENGTH` that would parse as a BigInt. */
function checkBigIntLengths(value: unknown, depth: number): void {
  if (typeof value === 'string') {
    if (value.length > MAX_BIGINT_LENGTH && /^-?\d+$/.test(value)) {
      throw new ProtocolError(`a BigInt may have at most ${String(MAX_BIGINT_LENGTH)} digits`);
    }
    return;
  }
  if (typeof value !== 'object' || value === null || depth > MAX_META_DEPTH) return;
  for (const child of Object.values(value)) checkBigIntLengths(child, depth + 1);
}

/** Checks what superjson would revive before it does. */
function checkMeta(json: unknown, meta: Record<string, unknown>): void {
  if (meta.values === undefined) return;
  if (checkAnnotations(meta.values, 0)) checkBigIntLengths(json, 0);
}

/**
 * The default codec: superjson, so `Date`, `Map`, `Set`, `BigInt` (up to
 * `MAX_BIGINT_LENGTH` digits), `undefined`, `NaN`, `±Infinity`, `-0` and `URL`
 * survive the trip; other rich types are refused. Wire form: `{ "json": …, "meta"?: … }`.
 */
export const superjsonCodec: Codec = {
  name: 'superjson',
  encode: (value) => {
    if (isPlainJson(value, 0)) return { json: value };
    const { json, meta } = superjson.serialize(value);
    if (meta !== undefined) checkMeta(json, meta);
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
    checkMeta(wire.json, wire.meta);
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

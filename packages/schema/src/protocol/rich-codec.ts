import { MAX_BIGINT_LENGTH, type Codec } from './codec.js';
import { MAX_PAYLOAD_DEPTH } from './frame.js';
import { ProtocolError } from './protocol-error.js';

/*
 * Wire form of the rich codec (PROTOCOL.md#envelope-and-payloads): plain JSON, except that a
 * value JSON cannot carry becomes a one-key object whose key starts with `$` (a tag):
 *
 *   Date       {"$d": <ms since the epoch> | null}      null: an invalid Date
 *   bigint     {"$n": "<decimal digits>"}
 *   undefined  {"$u": 1}                                 array items and object values
 *   number     {"$f": "NaN" | "Infinity" | "-Infinity" | "-0"}
 *   Map        {"$m": [[<key>, <value>], …]}
 *   Set        {"$s": [<value>, …]}
 *   URL        {"$l": "<href>"}
 *   object     {"$o": {…}}                              an object with an own key starting with `$`
 *
 * Inside `$o` the keys are taken literally, so user data can never be read as a tag. Each side
 * makes one walk and copies only the arrays and objects on the way to a tagged value: plain JSON
 * costs one read of every value and no allocation.
 */

/** `$`, the first character of every tag and of every key that must be escaped. */
const DOLLAR = 36;

/** The largest time value a Date holds, in ms (ECMA-262 TimeClip). */
const MAX_TIME_MS = 8.64e15;

/**
 * The WHATWG `URL` class of browsers and Node, read from the global object: this package's
 * `lib` names neither DOM nor Node types, since the protocol module runs in both.
 */
const UrlClass = (globalThis as { URL?: new (href: string) => { readonly href: string } }).URL;

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
};

function nests(): TypeError {
  return new TypeError(`rich codec: the value nests deeper than ${String(MAX_PAYLOAD_DEPTH)} levels once encoded (a cycle?)`);
}

function describeValue(value: object): string {
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object with a foreign prototype';
}

function encodeNumber(value: number): unknown {
  if (Number.isNaN(value)) return { $f: 'NaN' };
  if (value === Number.POSITIVE_INFINITY) return { $f: 'Infinity' };
  if (value === Number.NEGATIVE_INFINITY) return { $f: '-Infinity' };
  return { $f: '-0' };
}

function encodeBigInt(value: bigint): unknown {
  const digits = value.toString();
  if (digits.length - (value < 0n ? 1 : 0) > MAX_BIGINT_LENGTH) {
    throw new RangeError(`rich codec: a BigInt may have at most ${String(MAX_BIGINT_LENGTH)} digits`);
  }
  return { $n: digits };
}

/**
 * Encodes `value`, which sits at `depth` levels of wire nesting (1 = the payload itself).
 * Returns `value` itself when it is plain JSON, so callers copy only what changed.
 */
function encodeValue(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && (value !== 0 || 1 / value > 0) ? value : encodeNumber(value);
    case 'object':
      return value === null ? null : encodeObject(value, depth);
    case 'undefined':
      return { $u: 1 };
    case 'bigint':
      return encodeBigInt(value);
    case 'symbol':
    case 'function':
      throw new TypeError(`rich codec: cannot encode a ${typeof value}`);
  }
}

function encodeArray(value: readonly unknown[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let index = 0; index < value.length; index += 1) {
    const item = value[index];
    const encoded = encodeValue(item, depth + 1);
    if (copy !== undefined) copy.push(encoded);
    else if (encoded !== item) {
      copy = value.slice(0, index);
      copy.push(encoded);
    }
  }
  return copy ?? (value as unknown[]);
}

function encodePlainObject(value: Record<string, unknown>, depth: number): unknown {
  let escaped = false;
  for (const key in value) {
    if (key.charCodeAt(0) === DOLLAR) {
      escaped = true;
      break;
    }
  }
  // Behind the `$o` wrapper, the object and its children sit one level deeper.
  const own = escaped ? depth + 1 : depth;
  if (own > MAX_PAYLOAD_DEPTH) throw nests();
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const child = value[key];
    const encoded = encodeValue(child, own + 1);
    if (encoded === child) continue;
    // Spread defines own properties, so a `__proto__` key stays data (and is then overwritten as data).
    copy ??= { ...value };
    copy[key] = encoded;
  }
  const result = copy ?? value;
  return escaped ? { $o: result } : result;
}

function encodeObject(value: object, depth: number): unknown {
  if (depth > MAX_PAYLOAD_DEPTH) throw nests();
  if (Array.isArray(value)) return encodeArray(value, depth);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return encodePlainObject(value as Record<string, unknown>, depth);
  if (value instanceof Date) {
    const ms = value.getTime();
    return { $d: Number.isNaN(ms) ? null : ms };
  }
  if (value instanceof Map) {
    // The pairs array sits at depth + 1, each pair at depth + 2, keys and values at depth + 3.
    if (depth + 1 > MAX_PAYLOAD_DEPTH || (depth + 2 > MAX_PAYLOAD_DEPTH && value.size > 0)) throw nests();
    const pairs: unknown[] = [];
    for (const [key, item] of value as Map<unknown, unknown>) {
      pairs.push([encodeValue(key, depth + 3), encodeValue(item, depth + 3)]);
    }
    return { $m: pairs };
  }
  if (value instanceof Set) {
    if (depth + 1 > MAX_PAYLOAD_DEPTH) throw nests();
    const items: unknown[] = [];
    for (const item of value as Set<unknown>) items.push(encodeValue(item, depth + 2));
    return { $s: items };
  }
  if (UrlClass !== undefined && value instanceof UrlClass) return { $l: value.href };
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  // What JSON.stringify would send for a class with `toJSON` (a decimal, a date-time library…);
  // one level deeper so that `toJSON` methods returning objects with `toJSON` cannot loop.
  if (typeof toJSON === 'function') return encodeValue(toJSON.call(value) as unknown, depth + 1);
  throw new TypeError(`rich codec: cannot encode ${describeValue(value)}`);
}

/** Describes a wire value for an error message. */
function describeWire(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function malformed(tag: string, expected: string, got: unknown): ProtocolError {
  return new ProtocolError(`rich payload: "${tag}" must hold ${expected}, got ${describeWire(got)}`);
}

/** Defines `key` as an own data property, so that not even `__proto__` reaches a setter. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function decodeArray(wire: readonly unknown[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let index = 0; index < wire.length; index += 1) {
    const item = wire[index];
    const decoded = decodeValue(item, depth + 1);
    if (copy !== undefined) copy.push(decoded);
    else if (decoded !== item) {
      copy = wire.slice(0, index);
      copy.push(decoded);
    }
  }
  return copy ?? (wire as unknown[]);
}

/** Decodes the values of an object whose keys are data (none is a tag): `$o`'s content, or an ordinary object. */
function decodeFields(wire: Record<string, unknown>, keys: readonly string[], depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of keys) {
    const child = wire[key];
    const decoded = decodeValue(child, depth + 1);
    if (decoded === child) continue;
    copy ??= { ...wire };
    setOwn(copy, key, decoded);
  }
  return copy ?? wire;
}

function decodeTag(tag: string, content: unknown, depth: number): unknown {
  switch (tag) {
    case '$d':
      if (content === null) return new Date(Number.NaN);
      if (typeof content !== 'number' || !Number.isInteger(content) || Math.abs(content) > MAX_TIME_MS) {
        throw malformed(tag, 'an integer number of milliseconds within ±8.64e15 or null', content);
      }
      return new Date(content);
    case '$n':
      if (typeof content !== 'string' || !/^-?\d+$/.test(content)) throw malformed(tag, 'a string of decimal digits', content);
      if (content.length - (content.startsWith('-') ? 1 : 0) > MAX_BIGINT_LENGTH) {
        throw new ProtocolError(`rich payload: a BigInt may have at most ${String(MAX_BIGINT_LENGTH)} digits`);
      }
      return BigInt(content);
    case '$u':
      if (content !== 1) throw malformed(tag, '1', content);
      return undefined;
    case '$f':
      if (typeof content !== 'string' || !Object.hasOwn(SPECIAL_NUMBERS, content)) {
        throw malformed(tag, '"NaN", "Infinity", "-Infinity" or "-0"', content);
      }
      return SPECIAL_NUMBERS[content];
    case '$m': {
      if (!Array.isArray(content)) throw malformed(tag, 'an array of [key, value] pairs', content);
      if (depth + 1 > MAX_PAYLOAD_DEPTH || (depth + 2 > MAX_PAYLOAD_DEPTH && content.length > 0)) throw deep();
      const map = new Map<unknown, unknown>();
      for (const pair of content) {
        if (!Array.isArray(pair) || pair.length !== 2) throw malformed(tag, 'an array of [key, value] pairs', pair);
        map.set(decodeValue(pair[0], depth + 3), decodeValue(pair[1], depth + 3));
      }
      return map;
    }
    case '$s': {
      if (!Array.isArray(content)) throw malformed(tag, 'an array', content);
      if (depth + 1 > MAX_PAYLOAD_DEPTH) throw deep();
      const set = new Set<unknown>();
      for (const item of content) set.add(decodeValue(item, depth + 2));
      return set;
    }
    case '$l': {
      if (typeof content !== 'string') throw malformed(tag, 'a URL string', content);
      if (UrlClass === undefined) throw new ProtocolError('rich payload: "$l" needs a global URL class, which this runtime lacks');
      try {
        return new UrlClass(content);
      } catch (error) {
        throw new ProtocolError('rich payload: "$l" must hold a valid absolute URL', { cause: error });
      }
    }
    case '$o':
      if (typeof content !== 'object' || content === null || Array.isArray(content)) throw malformed(tag, 'an object', content);
      if (depth + 1 > MAX_PAYLOAD_DEPTH) throw deep();
      return decodeFields(content as Record<string, unknown>, Object.keys(content), depth + 1);
    default:
      throw new ProtocolError(`rich payload: unknown tag ${JSON.stringify(tag.slice(0, 32))}`);
  }
}

function deep(): ProtocolError {
  return new ProtocolError(`rich payload nests deeper than ${String(MAX_PAYLOAD_DEPTH)} levels`);
}

// The object walks use `for…in`, which skips allocating a key array (about a third faster
// than `Object.keys` here); on JSON and on plain objects it visits exactly the own keys, as
// long as nobody added enumerable properties to `Object.prototype`.
function decodeValue(wire: unknown, depth: number): unknown {
  if (typeof wire !== 'object' || wire === null) return wire;
  if (depth > MAX_PAYLOAD_DEPTH) throw deep();
  if (Array.isArray(wire)) return decodeArray(wire, depth);
  const fields = wire as Record<string, unknown>;
  let tag: string | undefined;
  let count = 0;
  let copy: Record<string, unknown> | undefined;
  for (const key in fields) {
    count += 1;
    if (key.charCodeAt(0) === DOLLAR) {
      if (count === 1) {
        tag = key;
        continue;
      }
      const shown = JSON.stringify(key.slice(0, 32));
      throw new ProtocolError(`rich payload: key ${shown} starts with "$" outside a tag; such an object must be wrapped in "$o"`);
    }
    if (tag !== undefined) {
      throw new ProtocolError(`rich payload: the tag object ${JSON.stringify(tag.slice(0, 32))} must have exactly one key`);
    }
    const child = fields[key];
    const decoded = decodeValue(child, depth + 1);
    if (decoded === child) continue;
    copy ??= { ...fields };
    setOwn(copy, key, decoded);
  }
  if (tag !== undefined) return decodeTag(tag, fields[tag], depth);
  return copy ?? fields;
}

/**
 * The default codec: JSON with rich values tagged inline, so `Date`, `Map`, `Set`,
 * `BigInt` (up to `MAX_BIGINT_LENGTH` digits), `undefined`, `NaN`, `±Infinity`, `-0`
 * and `URL` survive the trip. One walk each way, and plain JSON values are sent as
 * they are. Encoding throws on anything else (functions, symbols, `RegExp`, `Error`,
 * typed arrays, class instances without `toJSON`) and on values nesting deeper than
 * `MAX_PAYLOAD_DEPTH` once encoded (so a cycle fails too); decoding throws
 * `ProtocolError` on a malformed or unknown tag. Shared references arrive as copies.
 * @see PROTOCOL.md#envelope-and-payloads
 */
export const richCodec: Codec = {
  name: 'rich',
  encode: (value) => encodeValue(value, 1),
  decode: (wire) => decodeValue(wire, 1),
};

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MAX_BIGINT_LENGTH } from './codec.js';
import { decodeClientFrame, decodeServerFrame, encodeMessage, MAX_PAYLOAD_DEPTH } from './frame.js';
import { ProtocolError } from './protocol-error.js';
import { richCodec } from './rich-codec.js';

/** What the receiver sees: `encode`, a JSON round trip, then `decode`. */
function roundTrip(value: unknown): unknown {
  return richCodec.decode(JSON.parse(JSON.stringify(richCodec.encode(value))));
}

/** The JSON text `encode` produces for `value`. */
function wireOf(value: unknown): string {
  return JSON.stringify(richCodec.encode(value));
}

/**
 * What a value looks like after the trip: the same, except that null-prototype objects arrive
 * as ordinary ones (JSON has no prototypes) and array holes as `undefined`.
 */
function expectedAfterTrip(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Array.from(value, expectedAfterTrip);
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Map) return new Map([...value].map(([key, item]) => [expectedAfterTrip(key), expectedAfterTrip(item)]));
  if (value instanceof Set) return new Set([...value].map(expectedAfterTrip));
  if (value instanceof URL) return new URL(value.href);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, {
      value: expectedAfterTrip((value as Record<string, unknown>)[key]),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * An exact description of a value: types, `-0`, invalid Dates, own keys in order, prototypes.
 * The property tests compare these, since `toStrictEqual` reads `.constructor` (an own
 * `constructor` key trips it) and node:assert finds two invalid Dates different.
 */
function fingerprint(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${String(value)}n`;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'symbol':
    case 'function':
      throw new TypeError(`no fingerprint for a ${typeof value}`);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${Array.from(value.keys(), (index) => (index in value ? fingerprint(value[index]) : 'hole')).join(',')}]`;
      if (value instanceof Date) return `Date(${String(value.getTime())})`;
      if (value instanceof Map) return `Map{${[...value].map(([key, item]) => `${fingerprint(key)}=>${fingerprint(item)}`).join(',')}}`;
      if (value instanceof Set) return `Set{${[...value].map(fingerprint).join(',')}}`;
      if (value instanceof URL) return `URL(${value.href})`;
      const prototype = Object.getPrototypeOf(value) === Object.prototype ? '' : 'foreign-prototype';
      const fields = Object.keys(value).map((key) => `${JSON.stringify(key)}:${fingerprint((value as Record<string, unknown>)[key])}`);
      return `${prototype}{${fields.join(',')}}`;
    }
  }
}

/** Keys that must stay plain data: tag look-alikes, prototype-pollution keys, ordinary ones. */
const keys = fc.oneof(
  fc.string(),
  fc.constantFrom('$d', '$n', '$u', '$f', '$m', '$s', '$l', '$o', '$', '$$', '$x', '__proto__', 'constructor', 'prototype'),
  fc.string().map((key) => `$${key}`),
);

const values = fc.anything({
  key: keys,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withBoxedValues: false,
  withSparseArray: false,
});

/** Rich values only this codec's tags carry, mixed with `$`-keyed objects, to reach every tag. */
const richValues = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, undefined, null, new Date(Number.NaN)),
    fc.date({ noInvalidDate: true }),
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
    fc.webUrl().map((href) => new URL(href)),
    fc.string(),
    fc.double(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 4 }),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((pairs) => new Map(pairs)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
  ),
})).value;

/** `value` wrapped in `levels` arrays. */
function nest(value: unknown, levels: number): unknown {
  let nested = value;
  for (let level = 0; level < levels; level += 1) nested = [nested];
  return nested;
}

describe('richCodec round trip', () => {
  it('round-trips arbitrary values, including objects with $-keys and prototype keys', () => {
    fc.assert(
      fc.property(values, (value) => {
        fc.pre(value !== undefined);
        expect(fingerprint(roundTrip(value))).toBe(fingerprint(expectedAfterTrip(value)));
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips every rich type at any position', () => {
    fc.assert(
      fc.property(richValues, (value) => {
        fc.pre(value !== undefined);
        expect(fingerprint(roundTrip(value))).toBe(fingerprint(expectedAfterTrip(value)));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a Date', new Date('2026-11-23T10:00:00.000Z'), '{"$d":1795428000000}'],
    ['an invalid Date', new Date(Number.NaN), '{"$d":null}'],
    ['a BigInt', -(2n ** 70n), '{"$n":"-1180591620717411303424"}'],
    ['NaN', Number.NaN, '{"$f":"NaN"}'],
    ['Infinity', Number.POSITIVE_INFINITY, '{"$f":"Infinity"}'],
    ['-Infinity', Number.NEGATIVE_INFINITY, '{"$f":"-Infinity"}'],
    ['-0', -0, '{"$f":"-0"}'],
    ['undefined in an array', [undefined, 1], '[{"$u":1},1]'],
    ['undefined as an object value', { a: undefined }, '{"a":{"$u":1}}'],
    ['a Map', new Map<unknown, unknown>([['k', 1], [2n, new Date(0)]]), '{"$m":[["k",1],[{"$n":"2"},{"$d":0}]]}'],
    ['a Set', new Set(['a', 1]), '{"$s":["a",1]}'],
    ['a URL', new URL('https://example.com/a?b=1#c'), '{"$l":"https://example.com/a?b=1#c"}'],
    ['an object with a $-key', { $d: 1, a: new Date(0) }, '{"$o":{"$d":1,"a":{"$d":0}}}'],
    ['a $-keyed object inside one', { $o: { $o: 1 } }, '{"$o":{"$o":{"$o":{"$o":1}}}}'],
    ['records with Date fields', [{ id: 1, at: new Date(5) }], '[{"id":1,"at":{"$d":5}}]'],
  ])('encodes %s inline and decodes it back', (_name, value, wire) => {
    expect(wireOf(value)).toBe(wire);
    expect(roundTrip(value)).toStrictEqual(value);
  });

  it('sends plain JSON as is: encode and decode return the very same value', () => {
    const plain = { a: [1, 'x', null, true, { b: 2.5 }], c: { d: [] }, '': 0, 'a$': 1 };
    expect(richCodec.encode(plain)).toBe(plain);
    expect(richCodec.decode(plain)).toBe(plain);
  });

  it('copies only the objects and arrays on the way to a rich value, and never changes its input', () => {
    const untouched = { x: 1 };
    const input = { plain: untouched, list: [untouched, new Date(0)], at: new Date(1) };
    const encoded = richCodec.encode(input) as Record<string, unknown>;
    expect(encoded).not.toBe(input);
    expect(encoded.plain).toBe(untouched);
    expect((encoded.list as unknown[])[0]).toBe(untouched);
    expect(input.at).toBeInstanceOf(Date);
    const wire = JSON.parse(JSON.stringify(encoded)) as { plain: unknown; at: unknown };
    const decoded = richCodec.decode(wire) as { plain: unknown };
    expect(decoded.plain).toBe(wire.plain);
    expect(wire.at).toEqual({ $d: 1 });
  });

  it('encodes a class with toJSON as JSON.stringify would, and refuses every other unsupported value', () => {
    class Money {
      toJSON(): string {
        return '1.50 EUR';
      }
    }
    class Point {
      x = 1;
    }
    expect(wireOf({ price: new Money() })).toBe('{"price":"1.50 EUR"}');
    expect(() => richCodec.encode({ f: () => 1 })).toThrow('rich codec: cannot encode a function');
    expect(() => richCodec.encode([Symbol('s')])).toThrow('rich codec: cannot encode a symbol');
    expect(() => richCodec.encode({ pattern: /a+/ })).toThrow('rich codec: cannot encode an instance of RegExp');
    expect(() => richCodec.encode(new Error('x'))).toThrow('rich codec: cannot encode an instance of Error');
    expect(() => richCodec.encode(new Uint8Array(2))).toThrow('rich codec: cannot encode an instance of Uint8Array');
    expect(() => richCodec.encode(new Point())).toThrow('rich codec: cannot encode an instance of Point');
  });
});

describe('richCodec limits', () => {
  const maxDigits = '9'.repeat(MAX_BIGINT_LENGTH);

  it(`carries a BigInt of ${String(MAX_BIGINT_LENGTH)} digits, sign aside, and refuses a longer one both ways`, () => {
    expect(roundTrip(BigInt(maxDigits))).toBe(BigInt(maxDigits));
    expect(roundTrip(-BigInt(maxDigits))).toBe(-BigInt(maxDigits));
    expect(() => richCodec.encode(BigInt(`1${maxDigits}`))).toThrow(`a BigInt may have at most ${String(MAX_BIGINT_LENGTH)} digits`);
    expect(() => richCodec.decode({ $n: `1${maxDigits}` })).toThrow(ProtocolError);
    expect(() => richCodec.decode({ $n: `-1${maxDigits}` })).toThrow(`a BigInt may have at most ${String(MAX_BIGINT_LENGTH)} digits`);
  });

  it(`refuses values that nest deeper than MAX_PAYLOAD_DEPTH (${String(MAX_PAYLOAD_DEPTH)}) once encoded, tags included`, () => {
    expect(roundTrip(nest(1, MAX_PAYLOAD_DEPTH))).toEqual(nest(1, MAX_PAYLOAD_DEPTH));
    expect(() => richCodec.encode(nest(1, MAX_PAYLOAD_DEPTH + 1))).toThrow(TypeError);
    // A Date is an object on the wire: one level more.
    expect(roundTrip(nest(new Date(0), MAX_PAYLOAD_DEPTH - 1))).toEqual(nest(new Date(0), MAX_PAYLOAD_DEPTH - 1));
    expect(() => richCodec.encode(nest(new Date(0), MAX_PAYLOAD_DEPTH))).toThrow('nests deeper than 64 levels');
    // `$o` adds a level; a Map adds its pairs array and each pair.
    expect(() => richCodec.encode(nest({ $a: 1 }, MAX_PAYLOAD_DEPTH - 1))).toThrow('nests deeper');
    expect(() => richCodec.encode(nest(new Map([[1, 1]]), MAX_PAYLOAD_DEPTH - 2))).toThrow('nests deeper');
    expect(() => richCodec.encode(nest(new Set([1]), MAX_PAYLOAD_DEPTH - 1))).toThrow('nests deeper');
    expect(() => richCodec.decode(nest(1, MAX_PAYLOAD_DEPTH + 1))).toThrow('rich payload nests deeper than 64 levels');
    expect(() => richCodec.decode(nest({ $s: [] }, MAX_PAYLOAD_DEPTH - 1))).toThrow(ProtocolError);
    expect(() => richCodec.decode(nest({ $m: [[1, 1]] }, MAX_PAYLOAD_DEPTH - 2))).toThrow(ProtocolError);
  });

  it('fails on a cycle instead of overflowing the stack', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => richCodec.encode(cycle)).toThrow(TypeError);
    const viaMap = new Map<string, unknown>();
    viaMap.set('self', viaMap);
    expect(() => richCodec.encode(viaMap)).toThrow(TypeError);
  });

  it('encodes nothing a server would refuse: the deepest value it accepts passes the frame checks', () => {
    for (const deepest of [nest(new Map([[1, new Set([new Date(0)])]]), MAX_PAYLOAD_DEPTH - 6), nest({ $a: [1] }, MAX_PAYLOAD_DEPTH - 3)]) {
      const frame = encodeMessage({ type: 'call', id: '1', path: 'p', input: deepest }, richCodec);
      const [decoded] = decodeClientFrame(frame, richCodec);
      expect(decoded).toMatchObject({ ok: true, message: { input: deepest } });
    }
  });
});

describe('richCodec hostile input', () => {
  it.each([
    ['an unknown tag', { $x: 1 }, 'rich payload: unknown tag "$x"'],
    ['a tag object with a second key', { $d: 0, a: 1 }, 'rich payload: the tag object "$d" must have exactly one key'],
    ['a $-key after an ordinary key', { a: 1, $d: 0 }, 'rich payload: key "$d" starts with "$" outside a tag; such an object must be wrapped in "$o"'],
    ['a Date as a string', { $d: '2026-11-23' }, 'rich payload: "$d" must hold an integer number of milliseconds within ±8.64e15 or null, got string'],
    ['a Date with a fraction', { $d: 1.5 }, '"$d" must hold an integer number of milliseconds'],
    ['a Date out of range', { $d: 8.64e15 + 1 }, '"$d" must hold an integer number of milliseconds'],
    ['a BigInt as a number', { $n: 12 }, 'rich payload: "$n" must hold a string of decimal digits, got number'],
    ['a BigInt that is not digits', { $n: '0x10' }, '"$n" must hold a string of decimal digits, got string'],
    ['an undefined tag with another value', { $u: true }, 'rich payload: "$u" must hold 1, got boolean'],
    ['an unknown special number', { $f: '1e999' }, '"$f" must hold "NaN", "Infinity", "-Infinity" or "-0", got string'],
    ['a Map that is not an array', { $m: {} }, '"$m" must hold an array of [key, value] pairs, got object'],
    ['a Map with a three-item pair', { $m: [[1, 2, 3]] }, '"$m" must hold an array of [key, value] pairs, got array'],
    ['a Set that is not an array', { $s: 'ab' }, 'rich payload: "$s" must hold an array, got string'],
    ['a URL that is not a string', { $l: 5 }, 'rich payload: "$l" must hold a URL string, got number'],
    ['a URL that does not parse', { $l: 'not a url' }, 'rich payload: "$l" must hold a valid absolute URL'],
    ['an escaped object that is an array', { $o: [] }, 'rich payload: "$o" must hold an object, got array'],
    ['a malformed tag deep inside', { a: [{ b: new Map() }, { $d: 'x' }] }, '"$d" must hold'],
  ])('refuses %s with a ProtocolError', (_name, wire, message) => {
    expect(() => richCodec.decode(wire)).toThrow(ProtocolError);
    expect(() => richCodec.decode(wire)).toThrow(message);
  });

  it('keeps __proto__, constructor and prototype keys as plain data and never touches a prototype', () => {
    const wire = JSON.parse(
      '{"$o":{"$k":1,"__proto__":{"polluted":{"$d":0}},"constructor":{"prototype":{"polluted":{"$u":1}}}}}',
    ) as unknown;
    const decoded = richCodec.decode(wire) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['$k', '__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toStrictEqual({ polluted: new Date(0) });
    expect(decoded.constructor).toStrictEqual({ prototype: { polluted: undefined } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // Decoded from a copy: a rich value under `__proto__` of an ordinary object.
    const plain = richCodec.decode(JSON.parse('{"a":1,"__proto__":{"$d":0}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(plain, '__proto__')?.value).toEqual(new Date(0));
    const map = richCodec.decode({ $m: [['__proto__', { $u: 1 }]] }) as Map<string, unknown>;
    expect([...map]).toEqual([['__proto__', undefined]]);
  });

  it('makes a malformed payload a per-message ProtocolError of the frame, with its id (BAD_REQUEST on a server)', () => {
    const frame = JSON.stringify([
      { type: 'call', id: 'bad', path: 'p', input: { at: { $d: 'yesterday' } } },
      { type: 'call', id: 'good', path: 'p', input: { at: { $d: 0 } } },
    ]);
    const [bad, good] = decodeClientFrame(frame, richCodec);
    expect(bad).toMatchObject({ ok: false, id: 'bad', error: { name: 'ProtocolError' } });
    expect(bad?.ok === false ? bad.error.message : '').toContain('"$d" must hold');
    expect(good).toEqual({ ok: true, message: { type: 'call', id: 'good', path: 'p', input: { at: new Date(0) } } });
    const [event] = decodeServerFrame('{"type":"event","id":"s","data":{"$q":1}}', richCodec);
    expect(event).toMatchObject({ ok: false, id: 's', error: { message: 'rich payload: unknown tag "$q"' } });
  });
});

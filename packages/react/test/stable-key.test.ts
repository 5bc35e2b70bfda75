import { describe, expect, it } from 'vitest';

import { stableKey } from '../src/index.js';

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
class Point {
  readonly x: number;
  constructor(x: number) {
    this.x = x;
  }
}
const point = new Point(1);
class Money {
  readonly #amount: string;
  constructor(amount: string) {
    this.#amount = amount;
  }
  toJSON(): string {
    return this.#amount;
  }
}

describe('stableKey', () => {
  it.each<[name: string, left: unknown, right: unknown]>([
    ['key order', { a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }],
    ['undefined fields', { a: 1, b: undefined }, { a: 1 }],
    ['dates by time', { at: new Date(5) }, { at: new Date(5) }],
    ['maps by content', new Map([['k', new Date(1)]]), new Map([['k', new Date(1)]])],
    ['sets by content', new Set([1, 2]), new Set([1, 2])],
    ['bigints', 10n, 10n],
    ['arrays', [1, 'a', null], [1, 'a', null]],
    ['null-prototype objects', Object.assign(Object.create(null) as object, { a: 1 }), { a: 1 }],
    ['the same class instance', { p: point }, { p: point }],
    ['class instances with equal fields', new Point(1), new Point(1)],
    ['class instances by toJSON', new Money('1.50'), new Money('1.50')],
    ['symbols by description', Symbol('s'), Symbol('s')],
    ['the same cyclic object', cyclic, cyclic],
  ])('is equal for equal content: %s', (_name, left, right) => {
    expect(stableKey(left)).toBe(stableKey(right));
  });

  it.each<[name: string, left: unknown, right: unknown]>([
    ['different values', { a: 1 }, { a: 2 }],
    ['a number and its string', 1, '1'],
    ['a bigint and a number', 1n, 1],
    ['a date and its time', new Date(5), 5],
    ['different dates', new Date(5), new Date(6)],
    ['a date and an invalid date', new Date(5), new Date(Number.NaN)],
    ['NaN and null', Number.NaN, null],
    ['-0 and 0', -0, 0],
    ['undefined and null', undefined, null],
    ['an array and an object', [1], { 0: 1 }],
    ['a set and an array', new Set([1]), [1]],
    ['a string with a quote', { a: 'x","b":"y' }, { a: 'x', b: 'y' }],
    ['class instances with different fields', new Point(1), new Point(2)],
    ['a class instance and a plain object', new Point(1), { x: 1 }],
    ['class instances with different toJSON', new Money('1.50'), new Money('1.51')],
    ['different functions', () => 1, () => 1],
  ])('differs for different content: %s', (_name, left, right) => {
    expect(stableKey(left)).not.toBe(stableKey(right));
  });
});

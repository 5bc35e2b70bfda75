import fc from 'fast-check';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';

import { superjsonCodec } from './codec.js';

const values = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withBoxedValues: false,
  withObjectString: true,
});

describe('superjsonCodec', () => {
  it('round-trips every value exactly as superjson does, plain JSON through the fast path', () => {
    fc.assert(
      fc.property(values, (value) => {
        let reference: unknown;
        try {
          reference = superjson.parse(superjson.stringify(value));
        } catch {
          // superjson refuses some keys (e.g. `prototype` inside arrays): nothing to compare with.
          fc.pre(false);
        }
        const wire = JSON.parse(JSON.stringify(superjsonCodec.encode(value))) as unknown;
        expect(superjsonCodec.decode(wire)).toStrictEqual(reference);
      }),
      { numRuns: 3000 },
    );
  });

  it('sends plain JSON without metadata and -0, NaN or undefined with it', () => {
    expect(superjsonCodec.encode({ a: [1, 'x', null, true] })).toEqual({ json: { a: [1, 'x', null, true] } });
    expect(superjsonCodec.encode({ a: -0 })).toHaveProperty('meta');
    expect(superjsonCodec.encode([Number.NaN])).toHaveProperty('meta');
    expect(superjsonCodec.encode({ a: undefined })).toHaveProperty('meta');
  });

  it.each([
    ['a RegExp', { json: 'a+', meta: { values: ['regexp'], v: 1 } }, 'superjson type regexp is not accepted'],
    ['a registered class', { json: {}, meta: { values: [['class', 'Admin']], v: 1 } }, 'superjson type ["class","Admin"] is not accepted'],
    ['a custom type', { json: 'x', meta: { values: { a: [['custom', 'Decimal']] }, v: 1 } }, 'superjson type ["custom","Decimal"] is not accepted'],
    ['metadata of the wrong shape', { json: 1, meta: { values: 'Date', v: 1 } }, 'superjson metadata is malformed'],
    ['a BigInt of 5,000 digits', { json: '9'.repeat(5000), meta: { values: ['bigint'], v: 1 } }, 'a BigInt may have at most 4096 digits'],
  ])('refuses %s', (_name, wire, message) => {
    expect(() => superjsonCodec.decode(wire)).toThrow(message);
  });

  it('refuses to encode a RegExp, so a server never sends what clients refuse', () => {
    expect(() => superjsonCodec.encode({ pattern: /a+/ })).toThrow('superjson type regexp is not accepted');
  });
});

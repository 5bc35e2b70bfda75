import { defineContract, listProcedures, query } from '@wirecall/schema';
import { describe, expect, it } from 'vitest';

import { MiddlewareConfigError, NO_MIDDLEWARE, resolveMiddleware } from './middleware-config.js';
import { defineMiddleware, type AnyMiddleware } from './middleware.js';

const api = defineContract({
  constructor: query(),
  top: query(),
  a: { b: { c: query(), d: query() }, e: query() },
});

function named(name: string): AnyMiddleware {
  const middleware = defineMiddleware(async ({ next }) => next());
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
}

function names(chains: ReadonlyMap<string, readonly AnyMiddleware[]>): Record<string, string[]> {
  return Object.fromEntries([...chains].map(([path, chain]) => [path, chain.map((middleware) => middleware.name)]));
}

describe('resolveMiddleware', () => {
  it('orders each chain: "*", namespaces from the outermost in, the procedure; array order within a key', () => {
    const chains = resolveMiddleware(listProcedures(api), {
      'a.b.c': [named('c')],
      a: [named('a1'), named('a2')],
      'a.b': [named('b')],
      '*': [named('*')],
    });
    expect(names(chains)).toEqual({
      constructor: ['*'],
      top: ['*'],
      'a.b.c': ['*', 'a1', 'a2', 'b', 'c'],
      'a.b.d': ['*', 'a1', 'a2', 'b'],
      'a.e': ['*', 'a1', 'a2'],
    });
  });

  it('leaves out procedures without middleware, so they keep the direct call path', () => {
    const chains = resolveMiddleware(listProcedures(api), { 'a.e': [named('e')] });
    expect([...chains.keys()]).toEqual(['a.e']);
    expect(resolveMiddleware(listProcedures(api), undefined).size).toBe(0);
    expect(NO_MIDDLEWARE).toEqual([]);
    expect(Object.isFrozen(NO_MIDDLEWARE)).toBe(true);
  });

  it('rejects a map that is not an object', () => {
    expect(() => resolveMiddleware(listProcedures(api), [named('x')])).toThrow(
      new MiddlewareConfigError('the middleware option must be an object, got an array'),
    );
  });
});

import { describe, expect, it } from 'vitest';

import { Operation } from './operation.js';
import { OperationTable } from './operation-table.js';

/** Unit tests of the table's bookkeeping; tests over real sockets cover its use (cancel, drain, re-authentication). */
describe('OperationTable', () => {
  it('holds operations by id, oldest first, from one to many and back', () => {
    const table = new OperationTable();
    const [a, b, c] = [new Operation(), new Operation(), new Operation()];
    expect([...table]).toEqual([]);
    table.add('a', a);
    expect(table.get('a')).toBe(a);
    expect(table.has('b')).toBe(false);
    table.add('b', b);
    table.add('c', c);
    expect([...table]).toEqual([['a', a], ['b', b], ['c', c]]);
    table.release('a', a);
    expect(table.has('a')).toBe(false);
    expect([...table]).toEqual([['b', b], ['c', c]]);
    table.release('b', b);
    table.release('c', c);
    expect([...table]).toEqual([]);
    table.add('a', a);
    expect([...table]).toEqual([['a', a]]);
  });

  it('releases an id only for the operation that holds it', () => {
    const table = new OperationTable();
    const [first, reused, other] = [new Operation(), new Operation(), new Operation()];
    table.add('x', reused);
    table.release('x', first);
    expect(table.get('x')).toBe(reused);
    table.add('y', other);
    table.release('x', first);
    table.release('y', first);
    expect([...table]).toEqual([['x', reused], ['y', other]]);
  });
});

import { describe, expect, it } from 'vitest';

import { OverflowBuffer } from './overflow-buffer.js';
import { Gap, Tracked } from './tracked.js';

function takeAll(buffer: OverflowBuffer): unknown[] {
  const taken: unknown[] = [];
  while (buffer.size > 0) taken.push(buffer.shift());
  return taken;
}

describe('OverflowBuffer', () => {
  it('keeps everything, in order, while under capacity', () => {
    const buffer = new OverflowBuffer(3, false);
    buffer.push(1);
    buffer.push(2);
    expect(takeAll(buffer)).toEqual([1, 2]);
  });

  it('drops the oldest items beyond capacity, across wrap-arounds', () => {
    const buffer = new OverflowBuffer(3, false);
    for (let n = 1; n <= 10; n += 1) buffer.push(n);
    expect(buffer.size).toBe(3);
    expect(takeAll(buffer)).toEqual([8, 9, 10]);
    buffer.push(11);
    expect(takeAll(buffer)).toEqual([11]);
  });

  it('conflates with a capacity of one', () => {
    const buffer = new OverflowBuffer(1, false);
    for (let n = 1; n <= 5; n += 1) buffer.push(n);
    expect(takeAll(buffer)).toEqual([5]);
  });

  it('puts one expired gap before the next item of a resumable subscription after a drop', () => {
    const buffer = new OverflowBuffer(2, true);
    for (let n = 1; n <= 4; n += 1) buffer.push(new Tracked(String(n), n));
    const taken = takeAll(buffer);
    expect(taken).toEqual([new Gap('expired'), new Tracked('3', 3), new Tracked('4', 4)]);
    buffer.push(new Tracked('5', 5));
    expect(takeAll(buffer)).toEqual([new Tracked('5', 5)]);
  });

  it('does not add a gap when the next item is a gap already', () => {
    const buffer = new OverflowBuffer(1, true);
    buffer.push(new Tracked('1', 1));
    buffer.push(new Gap('unknown'));
    expect(takeAll(buffer)).toEqual([new Gap('unknown')]);
  });
});

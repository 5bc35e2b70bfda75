import { describe, expect, it } from 'vitest';

import { compareStreamIds, isStreamId } from './stream-id.js';

describe('stream ids', () => {
  it('accept what Redis writes and nothing else', () => {
    expect(['0-0', '1-0', '1732500000000-12', '18446744073709551615-18446744073709551615'].every(isStreamId)).toBe(true);
    expect(['', '1', '01-0', '1-01', '-1-0', '1-', 'a-b', '1-0 ', '123456789012345678901-0'].some(isStreamId)).toBe(false);
  });

  it('order by milliseconds, then by sequence, beyond 2^53', () => {
    const sorted = ['0-0', '0-1', '9-5', '10-0', '10-2', '10-10', '9007199254740993-0', '18446744073709551615-0'];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort(compareStreamIds)).toEqual(sorted);
    expect(compareStreamIds('10-2', '10-2')).toBe(0);
  });
});

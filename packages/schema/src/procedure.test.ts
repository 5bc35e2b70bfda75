import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { query, subscription, type OverflowOption } from './procedure.js';

describe('subscription overflow', () => {
  it('defaults to pause, and calls always pause', () => {
    expect(subscription({ event: z.string() })['~rpc'].overflow).toEqual({ policy: 'pause' });
    expect(query()['~rpc'].overflow).toEqual({ policy: 'pause' });
  });

  it.each([
    ['pause', { policy: 'pause' }],
    ['latest', { policy: 'latest' }],
    ['end', { policy: 'end' }],
    [{ policy: 'latest' }, { policy: 'latest' }],
    [{ policy: 'dropOldest', maxBuffered: 3 }, { policy: 'dropOldest', maxBuffered: 3 }],
  ] satisfies [OverflowOption, unknown][])('normalises %j', (overflow, expected) => {
    const declared = subscription({ event: z.string(), overflow })['~rpc'].overflow;
    expect(declared).toEqual(expected);
    expect(Object.isFrozen(declared)).toBe(true);
  });

  it.each([
    ['drop', 'overflow must be "pause", "latest", "end" or { policy: "dropOldest", maxBuffered }, got "drop"'],
    [{ policy: 'fifo' }, 'overflow must be "pause", "latest", "end" or { policy: "dropOldest", maxBuffered }, got {"policy":"fifo"}'],
    [null, 'overflow must be "pause", "latest", "end" or { policy: "dropOldest", maxBuffered }, got null'],
    ['dropOldest', 'overflow "dropOldest" needs maxBuffered, a positive integer, got none'],
    [{ policy: 'dropOldest' }, 'overflow "dropOldest" needs maxBuffered, a positive integer, got undefined'],
    [{ policy: 'dropOldest', maxBuffered: 0 }, 'overflow "dropOldest" needs maxBuffered, a positive integer, got 0'],
    [{ policy: 'dropOldest', maxBuffered: 1.5 }, 'overflow "dropOldest" needs maxBuffered, a positive integer, got 1.5'],
  ])('refuses %j at definition time', (overflow, message) => {
    expect(() => subscription({ event: z.string(), overflow: overflow as OverflowOption })).toThrow(new TypeError(message));
  });
});

import { describe, expect, it, vi } from 'vitest';

import { CallWindow, type CallOutcome } from './call-window.js';

const result = (id: string): CallOutcome => ({ type: 'result', id, output: id });

describe('CallWindow', () => {
  it('hands a stored outcome to retries, and the outcome of a running call to those that wait', () => {
    const window = new CallWindow(10, 60_000);
    const entry = window.begin('a');
    const waited: CallOutcome[] = [];
    window.get('a')?.waiters.push((outcome) => waited.push(outcome));
    window.finish(entry, result('a'));
    expect(waited).toEqual([result('a')]);
    expect(window.get('a')?.outcome).toEqual(result('a'));
  });

  it('evicts the oldest beyond its size, and then knows that ids up to it may have run', () => {
    const window = new CallWindow(2, 60_000);
    for (const id of ['1', '2', '3']) window.finish(window.begin(id), result(id));
    expect(window.get('1')).toBeUndefined();
    expect(window.mayHaveRun('1')).toBe(true);
    expect(window.mayHaveRun('0')).toBe(true);
    expect(window.mayHaveRun('4')).toBe(false);
    // Ids that are not base-36 sequence numbers cannot be ordered.
    expect(window.mayHaveRun('not-a-number')).toBe(true);
  });

  it('forgets outcomes older than its age bound, but never a call still running', () => {
    vi.useFakeTimers();
    try {
      const window = new CallWindow(10, 1000);
      const running = window.begin('1');
      window.finish(window.begin('2'), result('2'));
      vi.advanceTimersByTime(1001);
      // '1' is still running, so the sweep (in start order) stops at it.
      expect(window.get('2')).toBeDefined();
      window.finish(running, result('1'));
      vi.advanceTimersByTime(1001);
      expect(window.get('1')).toBeUndefined();
      expect(window.get('2')).toBeUndefined();
      expect(window.mayHaveRun('2')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

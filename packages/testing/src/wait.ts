import type { ClientState } from '@wirecall/client';

import { createDeferred, withTimeout } from './deferred.js';

/** Resolves once `condition` holds, checking after each turn of the event loop; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The part of a client that tells its connection state. */
export interface StateSource {
  readonly $onStateChange: (listener: (state: ClientState) => void) => () => void;
}

/** Resolves once the client has lost its connection and is open again (call it before causing the loss). */
export async function reconnected(client: StateSource, timeoutMs = 5000): Promise<void> {
  const open = createDeferred();
  let lost = false;
  const stop = client.$onStateChange((state) => {
    if (state === 'reconnecting') lost = true;
    if (state === 'open' && lost) open.resolve();
  });
  try {
    await withTimeout(open.promise, timeoutMs, 'the client to reconnect');
  } finally {
    stop();
  }
}

/**
 * Resolves with `read()` once it has not changed for `stableChecks` consecutive
 * checks 10 ms apart: for quantities that settle (bytes buffered by a stalled
 * reader). Bound it with `withTimeout`.
 */
export async function plateau(read: () => number, stableChecks: number): Promise<number> {
  let last = read();
  let stable = 0;
  while (stable < stableChecks) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = read();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

import { defineContract, query } from '@wirecall/schema';
import { rawClient, startTestServer, withTimeout, type RawClient } from '@wirecall/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

// Issue #5: thousands of short-lived connections leave nothing behind.

interface Welcome {
  readonly type: 'welcome';
  readonly session?: string;
  readonly resumed?: boolean;
}

const api = defineContract({ echo: query({ input: z.string(), output: z.string() }) });

/** Connections open at once: under the default 256 per address. */
const BATCH = 100;
const ROUNDS = 20;
/** Rounds before the baseline is taken: lazily built caches, JIT code and pools settle first. */
const WARM_UP_ROUNDS = 4;
const MAX_DETACHED_SESSIONS = 50;

/**
 * A full garbage collection, without `--expose-gc` on the command line: the flag
 * can be set at run time, and `gc` is then defined in contexts created after it.
 */
const collectGarbage = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Heap in use after full collections: a number that only live objects move. */
function liveHeapBytes(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('connection churn', () => {
  it(`returns to its baseline after ${String(BATCH * ROUNDS)} connections opened and closed`, async () => {
    const { url, server } = await startTestServer(api, {
      sessions: { maxDetached: MAX_DETACHED_SESSIONS },
      handlers: { echo: ({ input }) => input },
    });

    /** Says hello (presenting `session`, if given) and returns the welcome. */
    async function connect(session?: string): Promise<{ raw: RawClient; welcome: Welcome }> {
      const raw = await rawClient(url, { protocols: ['wirecall.v1+json'], hello: false });
      raw.send({ type: 'hello', ...(session === undefined ? {} : { session }) });
      return { raw, welcome: (await raw.nextMessage(5000)) as Welcome };
    }

    /** Session token of the very first connection. */
    let firstSession: string | undefined;

    async function round(): Promise<void> {
      // Each connection says hello, makes one call, and leaves.
      const opened = await Promise.all(Array.from({ length: BATCH }, () => connect()));
      const clients = opened.map(({ raw }) => raw);
      expect(server.connectionCount).toBe(BATCH);
      firstSession ??= opened[0]?.welcome.session;
      for (const [index, raw] of clients.entries()) raw.send({ type: 'call', id: '1', path: 'echo', input: String(index) });
      const replies = await Promise.all(clients.map((raw) => raw.nextMessage(5000)));
      expect(replies).toEqual(clients.map((_, index) => ({ type: 'result', id: '1', output: String(index) })));
      for (const raw of clients) raw.close();
      await Promise.all(clients.map((raw) => raw.closed(5000)));
      await vi.waitFor(() => {
        expect(server.connectionCount).toBe(0);
      }, 5000);
    }

    for (let done = 0; done < WARM_UP_ROUNDS; done += 1) await round();
    const baseline = { heap: liveHeapBytes(), timers: activeTimers() };
    await withTimeout(
      (async () => {
        for (let done = WARM_UP_ROUNDS; done < ROUNDS; done += 1) await round();
      })(),
      60_000,
      'the churn rounds',
    );
    const after = { heap: liveHeapBytes(), timers: activeTimers() };

    expect(server.connectionCount).toBe(0);
    // Detached sessions are capped (their expiry timers with them), and every per-connection timer
    // (hello timeout, heartbeat, expiry) is gone: the count is back where it was, give or take a few.
    expect(after.timers - baseline.timers).toBeLessThanOrEqual(5);
    // 1,600 more connections came and went. Keeping only the client side of each (~5 KB) adds ~8 MB;
    // the measured noise is 1-2 MB.
    expect(after.heap - baseline.heap).toBeLessThan(5 * 1024 * 1024);
    // The session store keeps only the newest detached sessions: the first one is gone, a recent one is kept.
    const latest = await connect();
    latest.raw.close();
    await latest.raw.closed(5000);
    await vi.waitFor(() => {
      expect(server.connectionCount).toBe(0);
    }, 5000);
    expect(firstSession).toEqual(expect.any(String));
    const resumed = await Promise.all([connect(firstSession), connect(latest.welcome.session)]);
    expect(resumed.map(({ welcome }) => welcome.resumed)).toEqual([false, true]);
    for (const { raw } of resumed) raw.close();
  }, 90_000);
});

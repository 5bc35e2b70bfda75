import type { ConnectionStatus } from '@wirecall/client';
import { createDeferred, startFixtureServer, startTcpProxy, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';

describe('$status', () => {
  it('reports each reconnection attempt with its delay and the close that caused it, then resets once open', async () => {
    const { port, client } = await startFixtureServer();
    const proxy = await startTcpProxy(port);
    const reconnect = { initialDelayMs: 4, maxDelayMs: 16 };
    const live = client({ url: proxy.url, reconnect, connectTimeoutMs: 300 });
    await live.ping.query();
    const first = live.$status;
    expect(first).toMatchObject({ state: 'open', attempt: 0, nextDelayMs: undefined });
    expect(first.connectionId).toEqual(expect.any(String));

    const seen: ConnectionStatus[] = [];
    const threeAttempts = createDeferred();
    const stop = live.$onStatus((status) => {
      seen.push(status);
      if (status.state === 'reconnecting' && status.attempt === 3) threeAttempts.resolve();
    });
    // The proxy still accepts TCP connections but forwards nothing: every attempt times out.
    proxy.freeze();
    proxy.dropAll();
    await withTimeout(threeAttempts.promise, 5000, 'three reconnection attempts');
    proxy.thaw();
    const reopened = createDeferred<ConnectionStatus>();
    live.$onStatus((status) => {
      if (status.state === 'open') reopened.resolve(status);
    });
    const open = await withTimeout(reopened.promise, 3000, 'the connection to reopen');
    stop();

    const scheduled = seen.filter((status) => status.state === 'reconnecting' && status.nextDelayMs !== undefined);
    expect(scheduled.slice(0, 3).map((status) => status.attempt)).toEqual([1, 2, 3]);
    for (const status of scheduled) {
      // Full jitter under the capped exponential bound of that attempt.
      expect(status.nextDelayMs).toBeLessThan(Math.min(reconnect.maxDelayMs, reconnect.initialDelayMs * 2 ** (status.attempt - 1)));
      expect(status.lastClose?.code).toBe(1006);
      expect(status.connectionId).toBeUndefined();
    }
    expect(open).toMatchObject({ state: 'open', attempt: 0, nextDelayMs: undefined, lastClose: { code: 1006 } });
    expect(open.connectionId).toEqual(expect.any(String));
    expect(open.connectionId).not.toBe(first.connectionId);
  });

  it('reports the round-trip time of heartbeats as a non-negative number', async () => {
    const { client } = await startFixtureServer();
    const live = client({ heartbeat: { intervalMs: 10, timeoutMs: 1000 } });
    const measured = createDeferred<number>();
    live.$onStatus((status) => {
      if (status.rttMs !== undefined) measured.resolve(status.rttMs);
    });
    const rttMs = await withTimeout(measured.promise, 2000, 'a heartbeat round trip');
    expect(Number.isFinite(rttMs)).toBe(true);
    expect(rttMs).toBeGreaterThanOrEqual(0);
    expect(rttMs).toBeLessThan(1000);
  });
});

import { createClient } from '@wirecall/client';
import type { RpcError } from '@wirecall/schema';
import {
  createDeferred,
  eventually,
  fixtureContract,
  startFixtureServer,
  startScriptedServer,
  startTcpProxy,
  withTimeout,
} from '@wirecall/testing';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';

describe('cancellation', () => {
  it('rejects with CANCELLED and aborts the handler signal when the caller aborts', async () => {
    const { openClient, probe } = await startFixtureServer();
    const client = await openClient();
    const controller = new AbortController();
    const aborted = once(probe.events, 'abort');
    const pending = client.wait.query({ ms: 10_000 }, { signal: controller.signal });
    // Let the call reach the server before cancelling it.
    await expect(client.ping.query()).resolves.toBe('pong');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    const [path, reason] = (await withTimeout(aborted, 2000, 'the handler signal')) as [string, RpcError];
    expect(path).toBe('wait');
    expect(reason).toMatchObject({ code: 'CANCELLED' });
  });

  it('rejects at once without sending when the signal is already aborted', async () => {
    const { client, probe } = await startFixtureServer();
    const live = client();
    let handlerRan = false;
    probe.events.on('abort', () => {
      handlerRan = true;
    });
    await expect(live.wait.query({ ms: 1 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await expect(live.ping.query()).resolves.toBe('pong');
    expect(handlerRan).toBe(false);
  });

  it('keeps the connection usable after a cancel crosses a result', async () => {
    const { openClient } = await startFixtureServer();
    const client = await openClient();
    const controller = new AbortController();
    const pending = client.add.query({ a: 1, b: 1 }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(client.add.query({ a: 2, b: 2 })).resolves.toBe(4);
  });
});

describe('timeouts', () => {
  it('rejects with TIMEOUT and the deadline aborts the handler on the server', async () => {
    const { openClient, probe } = await startFixtureServer();
    const client = await openClient();
    const aborted = once(probe.events, 'abort');
    await expect(client.wait.query({ ms: 10_000 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const [, reason] = (await withTimeout(aborted, 2000, 'the handler signal')) as [string, RpcError];
    expect(reason).toMatchObject({ code: 'TIMEOUT' });
  });

  it('sends no cancel when its deadline passes, and a cancel when the caller aborts', async () => {
    const server = await startScriptedServer();
    const client = createClient(fixtureContract, { url: server.url, WebSocket });
    onTestFinished(() => client.$close());
    // Open first: a call that times out while queued is never sent at all.
    await eventually(() => client.$state === 'open', 'the connection');
    await expect(client.wait.query({ ms: 10_000 }, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const controller = new AbortController();
    const aborted = client.wait.query({ ms: 10_000 }, { signal: controller.signal });
    await eventually(() => server.received.some((message) => message.id === '2'), 'the second call');
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'CANCELLED' });
    await eventually(() => server.received.some((message) => message.type === 'cancel' && message.id === '2'), 'its cancel');
    expect(server.received.map(({ type, id }) => [type, id])).toEqual([
      ['call', '1'],
      ['call', '2'],
      ['cancel', '2'],
    ]);
  });

  it('resolves normally when the call finishes before its deadline', async () => {
    const { client } = await startFixtureServer();
    await expect(client().wait.query({ ms: 1 }, { timeoutMs: 2000 })).resolves.toBe('done');
  });

  it('ends a subscription with TIMEOUT at its deadline and stops the generator', async () => {
    const { client, probe } = await startFixtureServer();
    const failed = createDeferred<unknown>();
    const finallyRan = once(probe.events, 'finally');
    client().ticks.subscribe(undefined, { timeoutMs: 50, onData: () => undefined, onError: failed.resolve });
    await expect(withTimeout(failed.promise, 2000, 'onError')).resolves.toMatchObject({ code: 'TIMEOUT' });
    await withTimeout(finallyRan, 2000, 'the generator finally');
  });
});

describe('connection loss', () => {
  it('sends queries in flight again on the next connection when the connection drops', async () => {
    const { port, client, probe } = await startFixtureServer();
    const proxy = await startTcpProxy(port);
    const live = client({ url: proxy.url });
    await expect(live.ping.query()).resolves.toBe('pong');
    const firstRunsAborted = new Promise<unknown[]>((resolve) => {
      const reasons: unknown[] = [];
      probe.events.on('abort', (_path: string, reason: unknown) => {
        reasons.push(reason);
        if (reasons.length === 2) resolve(reasons);
      });
    });
    const pending = Promise.all([live.wait.query({ ms: 300 }), live.wait.query({ ms: 300 })]);
    await expect(live.add.query({ a: 1, b: 1 })).resolves.toBe(2);
    proxy.dropAll();
    // The server aborts the first runs with the connection; the client runs them again and they succeed.
    expect(await withTimeout(firstRunsAborted, 5000, 'the first runs to abort')).toMatchObject([{ code: 'CONNECTION_LOST' }, { code: 'CONNECTION_LOST' }]);
    await expect(withTimeout(pending, 5000, 'the resent queries')).resolves.toEqual(['done', 'done']);
    expect(proxy.accepted()).toBe(2);
  });

  it('rejects calls with CONNECTION_LOST when the server cannot be reached and reconnection is off', async () => {
    const { client, server, url } = await startFixtureServer();
    await server.close();
    const error = await client({ url, reconnect: false })
      .ping.query()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CONNECTION_LOST', data: { closeCode: 1006 } });
  });

  it('rejects pending calls when the client closes itself, and later calls at once', async () => {
    const { openClient } = await startFixtureServer();
    const client = await openClient();
    const pending = client.wait.query({ ms: 10_000 });
    const closed = client.$close();
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION_LOST', data: { closeCode: 1000 } });
    await closed;
    expect(client.$state).toBe('closed');
    await expect(client.ping.query()).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
  });
});

describe('timeout validation', () => {
  it.each([0, -5, Number.NaN, 2 ** 31])('rejects timeoutMs %d locally with BAD_REQUEST', async (timeoutMs) => {
    const { client } = await startFixtureServer();
    await expect(client().ping.query(undefined, { timeoutMs })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('accepts a fractional timeoutMs and sends a whole number', async () => {
    const { client } = await startFixtureServer();
    await expect(client().wait.query({ ms: 1 }, { timeoutMs: 1500.5 })).resolves.toBe('done');
  });
});

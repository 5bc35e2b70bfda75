import type { RpcError } from '@wirecall/client';
import { createDeferred, eventually, reconnected, startDeliveryServer, startTcpProxy, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';

const fastReconnect = { reconnect: { initialDelayMs: 20, maxDelayMs: 100 } };

describe('exactly-once mutations', () => {
  it('run once when the connection drops while they run: the retry waits for the first run', async () => {
    const fixture = await startDeliveryServer();
    const proxy = await startTcpProxy(fixture.port);
    const client = fixture.client({ url: proxy.url, ...fastReconnect });
    const gate = fixture.hold();
    const result = client.counter.increment.mutate({ token: 'a' });
    await eventually(() => fixture.running() === 1, 'the mutation to run');

    const back = reconnected(client);
    proxy.dropAll();
    await back;
    // The retry reaches the server while the first run still waits on the gate.
    await expect(client.counter.applied.query({ token: 'a' })).resolves.toBe(0);
    gate.release();

    await expect(withTimeout(result, 5000, 'the mutation')).resolves.toBe(1);
    expect(fixture.applied.get('a')).toBe(1);
  });

  it('answer a retry with the stored outcome when the first answer was lost on the way', async () => {
    const fixture = await startDeliveryServer();
    const proxy = await startTcpProxy(fixture.port);
    const client = fixture.client({ url: proxy.url, ...fastReconnect });
    await client.counter.applied.query({ token: 'warm-up' });
    const gate = fixture.hold();
    const result = client.counter.increment.mutate({ token: 'b' });
    await eventually(() => fixture.running() === 1, 'the mutation to run');

    // The mutation finishes, but its result never reaches the client.
    proxy.freeze();
    gate.release();
    await eventually(() => fixture.applied.get('b') === 1, 'the mutation to apply');
    const back = reconnected(client);
    proxy.dropAll();
    proxy.thaw();
    await back;

    await expect(withTimeout(result, 5000, 'the mutation')).resolves.toBe(1);
    expect(fixture.applied.get('b')).toBe(1);
  });

  it("fail with CONNECTION_LOST, and are not sent again, when declared onConnectionLost: 'fail'", async () => {
    const fixture = await startDeliveryServer();
    const proxy = await startTcpProxy(fixture.port);
    const client = fixture.client({ url: proxy.url, ...fastReconnect });
    const gate = fixture.hold();
    const result = client.counter.incrementOrFail.mutate({ token: 'c' }).catch((error: unknown) => error as RpcError);
    await eventually(() => fixture.running() === 1, 'the mutation to run');

    const back = reconnected(client);
    proxy.dropAll();
    expect(await withTimeout(result, 5000, 'the mutation to fail')).toMatchObject({ code: 'CONNECTION_LOST' });
    await back;
    gate.release();
    await eventually(() => fixture.running() === 0, 'the first run to end');

    // It may have run (here it did, once); it was not sent again.
    await expect(client.counter.applied.query({ token: 'c' })).resolves.toBe(1);
  });

  it('fail with OUTCOME_UNKNOWN, without resending, when the session expired before the client came back', async () => {
    const fixture = await startDeliveryServer({ sessions: { ttlMs: 1 } });
    const proxy = await startTcpProxy(fixture.port);
    const client = fixture.client({ url: proxy.url, reconnect: { initialDelayMs: 200, maxDelayMs: 200 } });
    const gate = fixture.hold();
    const result = client.counter.increment.mutate({ token: 'd' }).catch((error: unknown) => error as RpcError);
    await eventually(() => fixture.running() === 1, 'the mutation to run');

    proxy.dropAll();
    expect(await withTimeout(result, 5000, 'the mutation to fail')).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    gate.release();
    await eventually(() => fixture.running() === 0, 'the first run to end');

    await expect(client.counter.applied.query({ token: 'd' })).resolves.toBe(1);
  });

  it('fail with OUTCOME_UNKNOWN when the server shuts down while they run', async () => {
    const fixture = await startDeliveryServer();
    const client = fixture.client(fastReconnect);
    const gate = fixture.hold();
    const result = client.counter.increment.mutate({ token: 'e' }).catch((error: unknown) => error as RpcError);
    await eventually(() => fixture.running() === 1, 'the mutation to run');

    const restarted = fixture.restart();
    expect(await withTimeout(result, 5000, 'the mutation to fail')).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    gate.release();
    await restarted;
    expect(fixture.applied.get('e')).toBe(1);
  });

  it('fail with CONNECTION_LOST when the server keeps no sessions', async () => {
    const fixture = await startDeliveryServer({ sessions: false });
    const proxy = await startTcpProxy(fixture.port);
    const client = fixture.client({ url: proxy.url, ...fastReconnect });
    const gate = fixture.hold();
    const result = client.counter.increment.mutate({ token: 'f' }).catch((error: unknown) => error as RpcError);
    await eventually(() => fixture.running() === 1, 'the mutation to run');

    proxy.dropAll();
    expect(await withTimeout(result, 5000, 'the mutation to fail')).toMatchObject({ code: 'CONNECTION_LOST' });
    gate.release();
  });

  it('send calls made while disconnected once the connection is back', async () => {
    const fixture = await startDeliveryServer();
    const proxy = await startTcpProxy(fixture.port);
    const client = fixture.client({ url: proxy.url, reconnect: { initialDelayMs: 100, maxDelayMs: 100 } });
    await client.counter.applied.query({ token: 'warm-up' });
    const lost = createDeferred();
    const stop = client.$onStateChange((state) => {
      if (state === 'reconnecting') lost.resolve();
    });
    proxy.dropAll();
    await withTimeout(lost.promise, 5000, 'the client to notice');
    stop();

    const results = await withTimeout(
      Promise.all([client.counter.increment.mutate({ token: 'g' }), client.counter.increment.mutate({ token: 'h' })]),
      5000,
      'the queued mutations',
    );
    expect(results).toEqual([1, 1]);
  });
});

import { createDeferred, startFixtureServer, withTimeout } from '@wirecall/testing';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

describe('subscriptions', () => {
  it('delivers events in order through callbacks and completes', async () => {
    const { client } = await startFixtureServer();
    const events: number[] = [];
    const completed = createDeferred();
    client().count.subscribe(
      { to: 5 },
      {
        onData: (value) => events.push(value),
        onComplete: () => {
          completed.resolve();
        },
      },
    );
    await withTimeout(completed.promise, 2000, 'completion');
    expect(events).toEqual([1, 2, 3, 4, 5]);
  });

  it('is consumable with for await, and break ends it on the server', async () => {
    const { openClient, probe } = await startFixtureServer();
    const client = await openClient();
    const finallyRan = once(probe.events, 'finally');
    const seen: number[] = [];
    for await (const value of client.ticks.subscribe()) {
      seen.push(value);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    await withTimeout(finallyRan, 2000, 'the generator finally');
    expect(probe.liveGenerators).toBe(0);
  });

  it('ends iteration quietly when the signal aborts, and the handler signal fires', async () => {
    const { openClient, probe } = await startFixtureServer();
    const client = await openClient();
    const controller = new AbortController();
    const aborted = once(probe.events, 'abort');
    const seen: number[] = [];
    for await (const value of client.ticks.subscribe(undefined, { signal: controller.signal })) {
      seen.push(value);
      if (seen.length === 2) controller.abort();
    }
    expect(seen.slice(0, 2)).toEqual([0, 1]);
    const [path] = (await withTimeout(aborted, 2000, 'the handler signal')) as [string];
    expect(path).toBe('ticks');
  });

  it('runs the generator finally when the client unsubscribes', async () => {
    const { client, probe } = await startFixtureServer();
    const started = once(probe.events, 'generator-start');
    const subscription = client().chat.messages.subscribe({ room: 'lobby' }, { onData: () => undefined });
    await withTimeout(started, 2000, 'the generator to start');
    const finallyRan = once(probe.events, 'finally');
    subscription.unsubscribe();
    await withTimeout(finallyRan, 2000, 'the generator finally');
    expect(subscription.closed).toBe(true);
  });

  it('runs the generator finally when the client closes', async () => {
    const { client, probe } = await startFixtureServer();
    const started = once(probe.events, 'generator-start');
    const live = client();
    live.chat.messages.subscribe({ room: 'lobby' }, { onData: () => undefined });
    await withTimeout(started, 2000, 'the generator to start');
    const finallyRan = once(probe.events, 'finally');
    void live.$close();
    await withTimeout(finallyRan, 2000, 'the generator finally');
  });

  it('runs the generator finally and ends the stream with CONNECTION_LOST when the server closes for good', async () => {
    const { client, server, probe } = await startFixtureServer();
    const started = once(probe.events, 'generator-start');
    const failed = createDeferred<unknown>();
    client({ reconnect: false }).chat.messages.subscribe({ room: 'lobby' }, { onData: () => undefined, onError: failed.resolve });
    await withTimeout(started, 2000, 'the generator to start');
    const finallyRan = once(probe.events, 'finally');
    await server.close();
    await withTimeout(finallyRan, 2000, 'the generator finally');
    expect(probe.liveGenerators).toBe(0);
    await expect(withTimeout(failed.promise, 2000, 'onError')).resolves.toMatchObject({
      code: 'CONNECTION_LOST',
      data: { closeCode: 1001, reason: 'server shutting down' },
    });
  });

  it('interleaves several streams and calls on one connection', async () => {
    const { openClient, probe } = await startFixtureServer();
    const client = await openClient();
    const lobby: string[] = [];
    const games: string[] = [];
    let started = 0;
    const bothStarted = createDeferred();
    probe.events.on('generator-start', () => {
      started += 1;
      if (started === 2) bothStarted.resolve();
    });
    const done = createDeferred();
    client.chat.messages.subscribe({ room: 'lobby' }, { onData: (message) => lobby.push(message.text) });
    client.chat.messages.subscribe(
      { room: 'games' },
      {
        onData: (message) => {
          games.push(message.text);
          if (games.length === 3) done.resolve();
        },
      },
    );
    await withTimeout(bothStarted.promise, 2000, 'both generators');
    for (let round = 1; round <= 3; round += 1) {
      probe.publish('lobby', `l${String(round)}`);
      probe.publish('games', `g${String(round)}`);
      await expect(client.add.query({ a: round, b: 0 })).resolves.toBe(round);
    }
    await withTimeout(done.promise, 2000, 'the events');
    expect(lobby).toEqual(['l1', 'l2', 'l3']);
    expect(games).toEqual(['g1', 'g2', 'g3']);
  });

  it('delivers rich event types (Date) through superjson', async () => {
    const { openClient, probe } = await startFixtureServer();
    const client = await openClient();
    const started = once(probe.events, 'generator-start');
    const subscription = client.chat.messages.subscribe({ room: 'r' });
    const iterator = subscription[Symbol.asyncIterator]();
    await withTimeout(started, 2000, 'the generator');
    probe.publish('r', 'hello');
    const first = await withTimeout(iterator.next(), 2000, 'an event');
    expect(first.value?.at).toBeInstanceOf(Date);
    expect(first.value?.text).toBe('hello');
    subscription.unsubscribe();
  });

  it('ends with INTERNAL_SERVER_ERROR when the handler yields an event that breaks the contract', async () => {
    const { client, probe } = await startFixtureServer();
    const events: number[] = [];
    const failed = createDeferred<unknown>();
    const finallyRan = once(probe.events, 'finally');
    client().count.subscribe({ to: 5, badAt: 3 }, { onData: (value) => events.push(value), onError: failed.resolve });
    await expect(withTimeout(failed.promise, 2000, 'onError')).resolves.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
    });
    expect(events).toEqual([1, 2]);
    await withTimeout(finallyRan, 2000, 'the generator finally');
  });

  it('rejects an invalid subscription input with BAD_REQUEST', async () => {
    const { client } = await startFixtureServer();
    const iterator = client().count.subscribe({ to: 1.5 })[Symbol.asyncIterator]();
    await expect(withTimeout(iterator.next(), 2000, 'the error')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

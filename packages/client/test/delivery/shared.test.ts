import { createDeferred, eventually, startFixtureServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';

describe('shared subscriptions', () => {
  it('share one wire subscription between identical subscriptions, each consumer getting every event', async () => {
    const { openClient, probe } = await startFixtureServer();
    const client = await openClient();
    const first: string[] = [];
    const second: string[] = [];
    const other: string[] = [];
    const a = client.chat.messages.subscribe({ room: 'lobby' }, { onData: (message) => first.push(message.text) });
    const b = client.chat.messages.subscribe({ room: 'lobby' }, { onData: (message) => second.push(message.text) });
    const c = client.chat.messages.subscribe({ room: 'other' }, { onData: (message) => other.push(message.text) });
    await eventually(() => probe.liveGenerators === 2, 'the two wire subscriptions');
    probe.publish('lobby', 'hello');
    probe.publish('other', 'elsewhere');
    await eventually(() => first.length === 1 && second.length === 1 && other.length === 1, 'the events');

    expect([first, second, other]).toEqual([['hello'], ['hello'], ['elsewhere']]);
    expect(probe.liveGenerators).toBe(2);
    a.unsubscribe();
    c.unsubscribe();
    await eventually(() => probe.liveGenerators === 1, 'the other wire subscription to end');
    probe.publish('lobby', 'still here');
    await eventually(() => second.length === 2, 'the event of the last consumer');
    expect(first).toEqual(['hello']);
    b.unsubscribe();
    await eventually(() => probe.liveGenerators === 0, 'the shared wire subscription to end with its last consumer');
  });

  it('let a consumer leave with its signal, and end every consumer when the wire subscription ends', async () => {
    const { openClient } = await startFixtureServer();
    const client = await openClient();
    const controller = new AbortController();
    const left = client.count.subscribe({ to: 1_000_000 }, { signal: controller.signal });
    const done = createDeferred<number[]>();
    const seen: number[] = [];
    client.count.subscribe({ to: 3 }, { onData: (n) => seen.push(n), onComplete: () => { done.resolve(seen); } });
    const again: number[] = [];
    const againDone = createDeferred();
    client.count.subscribe({ to: 3 }, { onData: (n) => again.push(n), onComplete: againDone.resolve });
    controller.abort();

    expect(left.closed).toBe(true);
    await expect(withTimeout(done.promise, 5000, 'the shared subscription to complete')).resolves.toEqual([1, 2, 3]);
    await withTimeout(againDone.promise, 5000, 'every consumer to complete');
    expect(again).toEqual([1, 2, 3]);
  });

  it('keep subscriptions apart when asked, or when they carry a deadline or a lastEventId', async () => {
    const { openClient, probe } = await startFixtureServer();
    const client = await openClient();
    const subscriptions = [
      client.chat.messages.subscribe({ room: 'lobby' }),
      client.chat.messages.subscribe({ room: 'lobby' }, { shared: false }),
      client.chat.messages.subscribe({ room: 'lobby' }, { timeoutMs: 60_000 }),
      client.chat.messages.subscribe({ room: 'lobby' }, { lastEventId: '1' }),
    ];
    await eventually(() => probe.liveGenerators === 4, 'four wire subscriptions');
    for (const subscription of subscriptions) subscription.unsubscribe();
    await eventually(() => probe.liveGenerators === 0, 'every wire subscription to end');
  });
});

import type { SubscriptionGap } from '@wirecall/client';
import { createDeferred, reconnected, startDeliveryServer, startTcpProxy, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';

type Item = number | `gap:${SubscriptionGap['reason']}`;

/** Collects the numbers (and gaps) a subscription delivers; `until` waits for a condition on them. */
function collect(subscribe: (handlers: { onData: (event: { n: number }) => void; onGap: (gap: SubscriptionGap) => void }) => void) {
  const items: Item[] = [];
  let check: (() => void) | undefined;
  subscribe({
    onData: (event) => {
      items.push(event.n);
      check?.();
    },
    onGap: (gap) => {
      items.push(`gap:${gap.reason}`);
      check?.();
    },
  });
  return {
    items,
    async until(condition: (seen: readonly Item[]) => boolean, what: string): Promise<void> {
      const done = createDeferred();
      check = () => {
        if (condition(items)) done.resolve();
      };
      check();
      await withTimeout(done.promise, 5000, what);
      check = undefined;
    },
  };
}

const fastReconnect = { reconnect: { initialDelayMs: 20, maxDelayMs: 100 } };

describe('resumable subscriptions', () => {
  it('replay what was published while the connection was down, once each and in order', async () => {
    const fixture = await startDeliveryServer();
    const proxy = await startTcpProxy(fixture.port);
    const client = fixture.client({ url: proxy.url, ...fastReconnect });
    const feed = collect((handlers) => client.feed.subscribe(undefined, handlers));
    // Answered after the server started the subscription: requests are handled in order.
    await client.counter.applied.query({ token: 'warm-up' });
    for (let n = 0; n < 3; n += 1) fixture.feed().publish({ n });
    await feed.until((items) => items.length === 3, 'the first three events');

    const back = reconnected(client);
    proxy.dropAll();
    for (let n = 3; n < 6; n += 1) fixture.feed().publish({ n });
    await back;
    await feed.until((items) => items.length === 6, 'the missed events to be replayed');
    fixture.feed().publish({ n: 6 });
    await feed.until((items) => items.length === 7, 'a live event after the replay');

    expect(feed.items).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('signal an expired gap when more events were missed than the log keeps, then go on live', async () => {
    const fixture = await startDeliveryServer({ shortFeed: { maxEvents: 2 } });
    const proxy = await startTcpProxy(fixture.port);
    const client = fixture.client({ url: proxy.url, ...fastReconnect });
    const stream = collect((handlers) => client.shortFeed.subscribe(undefined, handlers));
    await client.counter.applied.query({ token: 'warm-up' });
    fixture.shortFeed().publish({ n: 0 });
    await stream.until((items) => items.length === 1, 'the first event');

    const back = reconnected(client);
    proxy.dropAll();
    for (let n = 1; n <= 5; n += 1) fixture.shortFeed().publish({ n });
    await back;
    await stream.until((items) => items.includes('gap:expired'), 'the gap');
    fixture.shortFeed().publish({ n: 6 });
    await stream.until((items) => items.includes(6), 'a live event after the gap');

    expect(stream.items).toEqual([0, 'gap:expired', 6]);
  });

  it('signal an unknown gap after the server restarted with an empty log', async () => {
    const fixture = await startDeliveryServer();
    const client = fixture.client(fastReconnect);
    const feed = collect((handlers) => client.feed.subscribe(undefined, handlers));
    await client.counter.applied.query({ token: 'warm-up' });
    fixture.feed().publish({ n: 0 });
    await feed.until((items) => items.length === 1, 'the first event');

    const back = reconnected(client);
    await fixture.restart();
    await back;
    await feed.until((items) => items.length === 2, 'the gap');
    fixture.feed().publish({ n: 1 });
    await feed.until((items) => items.length === 3, 'an event of the new log');

    expect(feed.items).toEqual([0, 'gap:unknown', 1]);
  });

  it('resume across a restart without a gap when the handler keeps its own ids', async () => {
    const fixture = await startDeliveryServer();
    const client = fixture.client(fastReconnect);
    const rows = collect((handlers) => client.rows.subscribe(undefined, handlers));
    await client.counter.applied.query({ token: 'warm-up' });
    fixture.addRow();
    fixture.addRow();
    await rows.until((items) => items.length === 2, 'the first rows');

    const back = reconnected(client);
    await fixture.restart();
    fixture.addRow();
    await back;
    fixture.addRow();
    await rows.until((items) => items.length === 4, 'the rows added around the restart');

    expect(rows.items).toEqual([0, 1, 2, 3]);
  });

  it('start after an explicit lastEventId, and report an id the log never issued as unknown', async () => {
    const fixture = await startDeliveryServer();
    const client = fixture.client();
    const ids = [0, 1, 2].map((n) => fixture.feed().publish({ n }));

    const resumed = collect((handlers) => client.feed.subscribe(undefined, { ...handlers, lastEventId: ids[0] as string }));
    await resumed.until((items) => items.length === 2, 'the events after the given id');
    const stranger = collect((handlers) => client.feed.subscribe(undefined, { ...handlers, lastEventId: 'elsewhere.7' }));
    await stranger.until((items) => items.length === 1, 'the gap');

    expect(resumed.items).toEqual([1, 2]);
    expect(stranger.items).toEqual(['gap:unknown']);
  });

  it('iterate with for await while onGap reports gaps', async () => {
    const fixture = await startDeliveryServer();
    const client = fixture.client();
    const gaps: SubscriptionGap[] = [];
    const subscription = client.feed.subscribe(undefined, { lastEventId: 'old.0', onGap: (gap) => gaps.push(gap) });
    const received: number[] = [];
    const reading = (async () => {
      for await (const event of subscription) {
        received.push(event.n);
        if (received.length === 2) break;
      }
    })();
    await client.counter.applied.query({ token: 'warm-up' });
    fixture.feed().publish({ n: 0 });
    fixture.feed().publish({ n: 1 });
    await withTimeout(reading, 5000, 'two events');

    expect(received).toEqual([0, 1]);
    expect(gaps).toEqual([{ reason: 'unknown' }]);
  });

  it('end with INTERNAL_SERVER_ERROR when a resumable handler yields an event without an id', async () => {
    const fixture = await startDeliveryServer();
    const client = fixture.client();
    const failed = createDeferred<unknown>();
    client.untracked.subscribe(undefined, { onError: failed.resolve });

    await expect(withTimeout(failed.promise, 5000, 'the error')).resolves.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(fixture.logs.map((entry) => entry.message)).toContain('handler of "untracked" failed');
  });
});

import { defineContract, mutation, subscription } from '@wirecall/schema';
import { eventually, reconnected, startTcpProxy, startTestServer } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { eventLogs, uniqueKey } from './fixtures.js';
import { useRedisServer } from './redis-server.js';

const redis = useRedisServer();

const Message = z.object({ room: z.string(), text: z.string(), at: z.date() });
type Message = z.infer<typeof Message>;

const chat = defineContract({
  send: mutation({ input: Message, output: z.string() }),
  messages: subscription({ input: z.object({ room: z.string() }), event: Message, resumable: true }),
});

/**
 * One server instance: its own Redis connection and event logs, the streams shared.
 * `reading` resolves once a subscription's stream is being read (a later command on
 * the instance's connection was answered), so that what is published next reaches it.
 */
async function startInstance(prefix: string) {
  const logs = eventLogs(redis.connect());
  const room = (name: string) => logs.log<Message>(`${prefix}:${name}`);
  const reading: Promise<unknown>[] = [];
  const instance = await startTestServer(chat, {
    handlers: {
      send: ({ input }) => room(input.room).publish(input),
      messages: ({ input, lastEventId, signal }) => {
        const events = room(input.room).subscribe({ lastEventId, signal });
        reading.push(room(input.room).lastEventId());
        return events;
      },
    },
  });
  return { ...instance, reading: async (count: number) => {
    await eventually(() => reading.length >= count, 'the subscription to start');
    await Promise.all(reading);
  } };
}

describe('several server instances on one Redis', () => {
  it('deliver what is sent through one instance to clients of the other, and resume on the other after a drop with nothing lost or repeated', async () => {
    const prefix = uniqueKey();
    const [east, west] = await Promise.all([startInstance(prefix), startInstance(prefix)]);
    // The client reaches east through a proxy, which later sends it to west (as a load balancer would).
    const proxy = await startTcpProxy(east.port);
    const client = east.client({ url: proxy.url });
    const sender = await west.openClient();

    const received: { text: string; at: Date }[] = [];
    let gaps = 0;
    const subscription = client.messages.subscribe(
      { room: 'lobby' },
      {
        onData: (message) => received.push({ text: message.text, at: message.at }),
        onGap: () => {
          gaps += 1;
        },
      },
    );
    await east.reading(1);
    const at = new Date('2026-11-25T09:00:00Z');
    const send = (text: string) => sender.send.mutate({ room: 'lobby', text, at });

    for (const text of ['a', 'b', 'c']) await send(text);
    await eventually(() => received.length === 3, 'the first messages');

    proxy.retarget(west.port);
    const back = reconnected(client);
    proxy.dropAll();
    // Sent while the client is away: west replays them when the client resumes there.
    for (const text of ['d', 'e', 'f']) await send(text);
    await back;
    await west.reading(1);
    await send('g');
    await eventually(() => received.length === 7, 'the messages after the drop');

    expect(received).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((text) => ({ text, at })));
    expect(gaps).toBe(0);
    expect(proxy.accepted()).toBe(2);
    subscription.unsubscribe();
  });
});

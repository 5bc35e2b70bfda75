import { defineContract, mutation, subscription } from '@wirecall/schema';
import { createServer, type Gap, type Tracked } from '@wirecall/server';
import type { Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

import { createRedisEventLogs, type RedisEventLog } from '../src/index.js';

const Message = z.object({ text: z.string(), at: z.date() });
type Message = z.infer<typeof Message>;

const api = defineContract({
  send: mutation({ input: Message, output: z.string() }),
  messages: subscription({ input: z.object({ room: z.string() }), event: Message, resumable: true }),
});

declare const redis: Redis;
const logs = createRedisEventLogs({ redis });

describe('Redis event log types', () => {
  it('types a log by its event: publish takes one and resolves to its id; subscribe yields tracked events and gaps', () => {
    const log = logs.log<Message>('chat:lobby');
    expectTypeOf(log).toEqualTypeOf<RedisEventLog<Message>>();
    expectTypeOf(log.publish).parameter(0).toEqualTypeOf<Message>();
    expectTypeOf(log.publish).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(log.subscribe).returns.toEqualTypeOf<AsyncIterable<Tracked<Message> | Gap>>();
    // @ts-expect-error: not a Message
    void log.publish({ text: 'hi' });
  });

  it('serves a resumable subscription of the same event, and no other', () => {
    createServer(api, {
      handlers: {
        send: ({ input }) => logs.log<Message>('chat:lobby').publish(input),
        messages: ({ input, lastEventId, signal }) => logs.log<Message>(`chat:${input.room}`).subscribe({ lastEventId, signal }),
      },
    });
    createServer(api, {
      handlers: {
        send: ({ input }) => logs.log<Message>('chat:lobby').publish(input),
        // @ts-expect-error: a log of other events
        messages: ({ lastEventId, signal }) => logs.log<{ n: number }>('numbers').subscribe({ lastEventId, signal }),
      },
    });
  });
});

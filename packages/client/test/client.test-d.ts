import { createClient, type Subscription } from '@wirecall/client';
import {
  defineContract,
  isProcedureError,
  mutation,
  query,
  subscription,
  type InferError,
  type InferEvent,
  type InferInput,
  type InferOutput,
  type RpcError,
} from '@wirecall/schema';
import { describe, expectTypeOf, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

const Message = z.object({ text: z.string(), at: z.date() });
const api = defineContract({
  greet: query({ input: z.object({ name: z.string() }), output: z.string() }),
  now: query({ output: z.date() }),
  maybe: query({ input: z.string().optional(), output: z.number() }),
  admin: { users: { rename: mutation({ input: z.object({ id: z.number() }), output: z.boolean() }) } },
  log: mutation({ input: z.string() }),
  rooms: {
    join: mutation({
      input: z.object({ room: z.string() }),
      output: z.object({ members: z.number() }),
      errors: { ROOM_FULL: z.object({ capacity: z.number() }), BANNED: z.object({ until: z.date() }) },
    }),
  },
  chat: { messages: subscription({ input: z.object({ room: z.string() }), event: Message }) },
  ticks: subscription({ event: z.number() }),
});
const client = createClient(api, { url: 'ws://127.0.0.1:1', WebSocket });

describe('client inference', () => {
  it('infers outputs of queries and mutations, at any depth', () => {
    expectTypeOf(client.greet.query({ name: 'Ada' })).toEqualTypeOf<Promise<string>>();
    expectTypeOf(client.now.query()).toEqualTypeOf<Promise<Date>>();
    expectTypeOf(client.admin.users.rename.mutate({ id: 1 })).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(client.log.mutate('x')).toEqualTypeOf<Promise<undefined>>();
    expectTypeOf(client.greet.query).parameter(0).not.toBeAny();
  });

  it('makes the input optional only when the procedure accepts undefined', () => {
    expectTypeOf(client.maybe.query()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(client.now.query(undefined, { timeoutMs: 10 })).toEqualTypeOf<Promise<Date>>();
    // @ts-expect-error -- greet requires its input
    void client.greet.query();
  });

  it('infers subscription events for callbacks and iteration', () => {
    const subscription = client.chat.messages.subscribe(
      { room: 'lobby' },
      {
        onData: (event) => {
          expectTypeOf(event).toEqualTypeOf<{ text: string; at: Date }>();
        },
      },
    );
    expectTypeOf(subscription).toEqualTypeOf<Subscription<{ text: string; at: Date }>>();
    expectTypeOf(client.ticks.subscribe()).toEqualTypeOf<Subscription<number>>();
  });

  it('types onError with the declared and built-in errors', () => {
    client.ticks.subscribe(undefined, {
      onError: (error) => {
        expectTypeOf(error.code).toEqualTypeOf<
          | 'BAD_REQUEST'
          | 'UNAUTHORIZED'
          | 'FORBIDDEN'
          | 'NOT_FOUND'
          | 'METHOD_NOT_SUPPORTED'
          | 'CONFLICT'
          | 'TIMEOUT'
          | 'CANCELLED'
          | 'PAYLOAD_TOO_LARGE'
          | 'TOO_MANY_REQUESTS'
          | 'CONNECTION_LOST'
          | 'OUTCOME_UNKNOWN'
          | 'SLOW_CONSUMER'
          | 'UNAVAILABLE'
          | 'INTERNAL_SERVER_ERROR'
        >();
      },
    });
  });

  it('narrows declared errors with isProcedureError and switch', () => {
    const caught: unknown = undefined;
    if (isProcedureError(api.rooms.join, caught)) {
      if (caught.code === 'ROOM_FULL') expectTypeOf(caught.data).toEqualTypeOf<{ capacity: number }>();
      if (caught.code === 'BANNED') expectTypeOf(caught.data.until).toEqualTypeOf<Date>();
      if (caught.code === 'BAD_REQUEST') expectTypeOf(caught.data).toExtend<{ issues: unknown[] } | undefined>();
    }
  });

  it('rejects unknown paths and wrong inputs at compile time', () => {
    expectTypeOf(client).not.toHaveProperty('nope');
    expectTypeOf(client.greet).not.toHaveProperty('mutate');
    // @ts-expect-error -- wrong input type
    void client.greet.query({ name: 42 });
    // @ts-expect-error -- missing field
    void client.admin.users.rename.mutate({});
    expectTypeOf(client.ticks).not.toHaveProperty('query');
  });
});

describe('type helpers', () => {
  it('names the input, output, event and error types of any procedure', () => {
    expectTypeOf<InferInput<typeof api.greet>>().toEqualTypeOf<{ name: string }>();
    expectTypeOf<InferOutput<typeof api.admin.users.rename>>().toEqualTypeOf<boolean>();
    expectTypeOf<InferEvent<typeof api.chat.messages>>().toEqualTypeOf<{ text: string; at: Date }>();
    expectTypeOf<InferInput<typeof api.now>>().toEqualTypeOf<undefined>();
    expectTypeOf<Extract<InferError<typeof api.rooms.join>, { code: 'ROOM_FULL' }>>().toEqualTypeOf<
      RpcError<'ROOM_FULL', { capacity: number }>
    >();
  });
});

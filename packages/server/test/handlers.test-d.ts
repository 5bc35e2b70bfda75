import { defineContract, mutation, query, subscription, type RpcError } from '@wirecall/schema';
import { createServer, type ConnectionInfo } from '@wirecall/server';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const api = defineContract({
  greet: query({ input: z.object({ name: z.string().transform((name) => name.length) }), output: z.string() }),
  rooms: {
    join: mutation({
      input: z.object({ room: z.string() }),
      errors: { ROOM_FULL: z.object({ capacity: z.number() }) },
    }),
  },
  ticks: subscription({ input: z.object({ from: z.number() }), event: z.date() }),
});

describe('handler inference', () => {
  it('gives handlers the parsed input, the context and typed error factories', () => {
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: info.cookies.user ?? null }),
      handlers: {
        greet: ({ input, ctx, signal, path }) => {
          expectTypeOf(input).toEqualTypeOf<{ name: number }>();
          expectTypeOf(ctx).toEqualTypeOf<{ user: string | null }>();
          expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
          expectTypeOf(path).toEqualTypeOf<string>();
          return 'hi';
        },
        rooms: {
          join: ({ errors }) => {
            expectTypeOf(errors.ROOM_FULL).parameter(0).toEqualTypeOf<{ capacity: number }>();
            expectTypeOf(errors.ROOM_FULL({ capacity: 1 })).toEqualTypeOf<RpcError<'ROOM_FULL', { capacity: number }>>();
            // @ts-expect-error -- wrong data for a declared error
            void errors.ROOM_FULL({ capacity: 'one' });
            expectTypeOf(errors).not.toHaveProperty('NOT_DECLARED');
          },
        },
        ticks: async function* ({ input, lastEventId }) {
          expectTypeOf(input.from).toEqualTypeOf<number>();
          expectTypeOf(lastEventId).toEqualTypeOf<string | undefined>();
          yield new Date();
        },
      },
    });
  });

  it('rejects handlers with wrong return types', () => {
    createServer(api, {
      handlers: {
        // @ts-expect-error -- greet must return a string
        greet: () => 42,
        rooms: { join: () => undefined },
        // @ts-expect-error -- events must be Dates
        ticks: async function* () {
          yield 'not a date';
        },
      },
    });
  });

  it('rejects missing and extra handlers', () => {
    createServer(api, {
      // @ts-expect-error -- rooms.join is missing
      handlers: { greet: () => 'x', rooms: {}, ticks: async function* () {} },
    });
    createServer(api, {
      handlers: {
        greet: () => 'x',
        rooms: { join: () => undefined },
        ticks: async function* () {},
        // @ts-expect-error -- not in the contract
        extra: () => 1,
      },
    });
  });

  it('types the in-process caller like the contract', () => {
    const server = createServer(api, {
      handlers: { greet: () => 'x', rooms: { join: () => undefined }, ticks: async function* () {} },
    });
    const caller = server.createCaller(undefined);
    expectTypeOf(caller.greet({ name: 'a' })).toEqualTypeOf<Promise<string>>();
    expectTypeOf(caller.ticks({ from: 1 })).toEqualTypeOf<AsyncIterable<Date>>();
  });
});

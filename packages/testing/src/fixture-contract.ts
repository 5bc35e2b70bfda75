import { defineContract, mutation, query, subscription } from '@wirecall/schema';
import { z } from 'zod';

/** A message of the fixture chat. */
export const Message = z.object({ id: z.number(), room: z.string(), text: z.string(), at: z.date() });

/** A contract exercising every procedure kind, nesting, rich types and declared errors. */
export const fixtureContract = defineContract({
  ping: query({ output: z.literal('pong') }),
  greet: query({ input: z.object({ name: z.string().min(1) }), output: z.string() }),
  add: query({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
  echo: query({ input: z.unknown(), output: z.unknown() }),
  wait: query({ input: z.object({ ms: z.number() }), output: z.literal('done') }),
  whoami: query({ output: z.object({ user: z.string().nullable() }) }),
  fail: mutation({
    input: z.object({ mode: z.enum(['rpc', 'crash', 'undeclared', 'bad-output', 'client-code']) }),
    output: z.string(),
  }),
  admin: {
    users: {
      list: query({ output: z.array(z.string()) }),
      rename: mutation({
        input: z.object({ from: z.string(), to: z.string() }),
        output: z.object({ renamed: z.boolean() }),
      }),
    },
  },
  rooms: {
    join: mutation({
      input: z.object({ room: z.string() }),
      output: z.object({ members: z.number() }),
      errors: { ROOM_FULL: z.object({ capacity: z.number() }) },
    }),
  },
  chat: {
    messages: subscription({ input: z.object({ room: z.string() }), event: Message }),
  },
  count: subscription({ input: z.object({ to: z.number().int(), badAt: z.number().optional() }), event: z.number() }),
  ticks: subscription({ event: z.number() }),
});

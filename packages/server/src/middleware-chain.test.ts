import { defineContract, query, RpcError, subscription } from '@wirecall/schema';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { authorize } from './middleware-chain.js';
import { defineMiddleware, type MiddlewareOptions } from './middleware.js';
import { Operation } from './operation.js';
import { createProcedureTable, type ProcedureEntry } from './procedure-table.js';

interface Ctx {
  readonly user: string | null;
}

const api = defineContract({
  open: query({ output: z.string() }),
  rooms: { watch: subscription({ input: z.object({ room: z.string() }), event: z.string() }) },
});

const requireUser = defineMiddleware(async ({ ctx, next }: MiddlewareOptions<Ctx>) => {
  if (ctx.user === null) throw new RpcError('UNAUTHORIZED', 'sign in first');
  return next({ user: ctx.user });
});

function setUp(): { entry: (path: string) => ProcedureEntry; seen: unknown[]; handlerCalls: string[] } {
  const seen: unknown[] = [];
  const handlerCalls: string[] = [];
  const record = defineMiddleware(async ({ ctx, input, kind, path, next }: MiddlewareOptions) => {
    seen.push({ ctx, input, kind, path });
    return next({ checkedAt: 1 });
  });
  const table = createProcedureTable(
    api,
    {
      open: () => {
        handlerCalls.push('open');
        return 'x';
      },
      rooms: {
        watch: () => {
          handlerCalls.push('rooms.watch');
          return (async function* () {})();
        },
      },
    },
    { rooms: [requireUser, record] },
  );
  return { entry: (path) => table.get(path) as ProcedureEntry, seen, handlerCalls };
}

describe('authorize', () => {
  it('runs the middleware chain and resolves with the context the handler would see, without running the handler', async () => {
    const { entry, seen, handlerCalls } = setUp();
    await expect(authorize(entry('rooms.watch'), { user: 'ada' }, { room: 'lobby' })).resolves.toEqual({
      user: 'ada',
      checkedAt: 1,
    });
    expect(seen).toEqual([{ ctx: { user: 'ada' }, input: { room: 'lobby' }, kind: 'subscription', path: 'rooms.watch' }]);
    expect(handlerCalls).toEqual([]);
  });

  it('rejects with what a middleware threw, not yet normalized', async () => {
    const { entry, seen } = setUp();
    const refusal = authorize(entry('rooms.watch'), { user: null }, { room: 'lobby' });
    await expect(refusal).rejects.toBeInstanceOf(RpcError);
    await expect(refusal).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'sign in first' });
    expect(seen).toEqual([]);
  });

  it('validates the input as a call does, before any middleware runs', async () => {
    const { entry, seen } = setUp();
    await expect(authorize(entry('rooms.watch'), { user: 'ada' }, { room: 42 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(seen).toEqual([]);
  });

  it('resolves with the context unchanged for a procedure without middleware', async () => {
    const { entry, handlerCalls } = setUp();
    const ctx = { user: null };
    await expect(authorize(entry('open'), ctx, undefined)).resolves.toBe(ctx);
    expect(handlerCalls).toEqual([]);
  });

  it('gives middleware the signal of the operation it re-checks', async () => {
    const operation = new Operation();
    let signal: AbortSignal | undefined;
    const table = createProcedureTable(
      api,
      { open: () => 'x', rooms: { watch: async function* () {} } },
      {
        open: [
          defineMiddleware(async (options: MiddlewareOptions) => {
            signal = options.signal;
            return options.next();
          }),
        ],
      },
    );
    await authorize(table.get('open') as ProcedureEntry, undefined, undefined, operation);
    expect(signal).toBe(operation.signal);
  });
});

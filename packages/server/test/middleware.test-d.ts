import { defineContract, mutation, query, subscription } from '@wirecall/schema';
import {
  createServer,
  defineMiddleware,
  RpcError,
  type ConnectionInfo,
  type Middleware,
  type MiddlewareOptions,
  type MiddlewareResult,
} from '@wirecall/server';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

interface User {
  readonly name: string;
  readonly role: 'admin' | 'member';
}

const api = defineContract({
  me: query({ output: z.string() }),
  admin: {
    users: {
      list: query({ output: z.array(z.string()) }),
      ban: mutation({ input: z.object({ name: z.string() }) }),
    },
    audit: subscription({ event: z.string() }),
  },
  chat: { send: mutation({ input: z.object({ text: z.string() }) }) },
});

const lookup = (info: ConnectionInfo): User | null =>
  info.cookies.user === undefined ? null : { name: info.cookies.user, role: 'member' };

const requireUser = defineMiddleware(async ({ ctx, next }: MiddlewareOptions<{ user: User | null }>) => {
  if (ctx.user === null) throw new RpcError('UNAUTHORIZED', 'sign in first');
  return next({ user: ctx.user });
});

const requireAdmin = defineMiddleware(async ({ ctx, next }: MiddlewareOptions<{ user: User }>) => {
  if (ctx.user.role !== 'admin') throw new RpcError('FORBIDDEN', 'admins only');
  return next();
});

const durations: number[] = [];
const timing = defineMiddleware(async ({ next }: MiddlewareOptions) => {
  const started = performance.now();
  try {
    return await next();
  } finally {
    durations.push(performance.now() - started);
  }
});

const withRequestId = defineMiddleware(async ({ next }) => next({ requestId: 'r1' }));

/** Handlers that compile whatever the middleware: they do not read the context. */
const plainHandlers = {
  me: () => 'x',
  admin: { users: { list: () => [], ban: () => undefined }, audit: async function* () {} },
  chat: { send: () => undefined },
};

describe('defineMiddleware', () => {
  it('infers the context a middleware needs from its annotation and the extension from next()', () => {
    expectTypeOf(requireUser).toEqualTypeOf<Middleware<{ user: User | null }, { user: User }>>();
    expectTypeOf(requireAdmin).toEqualTypeOf<Middleware<{ user: User }>>();
    expectTypeOf(timing).toEqualTypeOf<Middleware>();
    expectTypeOf(withRequestId).toEqualTypeOf<Middleware<unknown, { requestId: string }>>();
  });

  it('types the options and the result of next()', () => {
    defineMiddleware(async ({ ctx, path, kind, input, signal, next }) => {
      expectTypeOf(ctx).toEqualTypeOf<unknown>();
      expectTypeOf(path).toEqualTypeOf<string>();
      expectTypeOf(kind).toEqualTypeOf<'query' | 'mutation' | 'subscription'>();
      expectTypeOf(input).toEqualTypeOf<unknown>();
      expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
      const result = await next({ tenant: 7 });
      expectTypeOf(result).toEqualTypeOf<MiddlewareResult<{ tenant: number }>>();
      expectTypeOf(result.output).toEqualTypeOf<unknown>();
      return result;
    });
  });

  it('does not accept a middleware that never calls next()', () => {
    // @ts-expect-error -- must resolve with the result of next()
    defineMiddleware(async () => 'done');
  });
});

describe('handler context behind middleware', () => {
  it('gives a handler behind requireUser a non-null user, and no one else', () => {
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      middleware: { '*': [timing, withRequestId], admin: [requireUser, requireAdmin], 'chat.send': [requireUser] },
      handlers: {
        me: ({ ctx }) => {
          expectTypeOf(ctx.user).toEqualTypeOf<User | null>();
          expectTypeOf(ctx.requestId).toEqualTypeOf<string>();
          return ctx.user?.name ?? 'anonymous';
        },
        admin: {
          users: {
            list: ({ ctx }) => {
              expectTypeOf(ctx).not.toBeAny();
              expectTypeOf(ctx.user).toEqualTypeOf<User>();
              expectTypeOf(ctx.requestId).toEqualTypeOf<string>();
              return [ctx.user.name];
            },
            ban: ({ ctx, input }) => {
              expectTypeOf(ctx.user.role).toEqualTypeOf<'admin' | 'member'>();
              expectTypeOf(input).toEqualTypeOf<{ name: string }>();
            },
          },
          audit: async function* ({ ctx }) {
            expectTypeOf(ctx.user).toEqualTypeOf<User>();
            yield ctx.user.name;
          },
        },
        chat: {
          send: ({ ctx }) => {
            expectTypeOf(ctx.user).toEqualTypeOf<User>();
          },
        },
      },
    });
  });

  it('applies "*" to every procedure, and a namespace to everything under it', () => {
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      middleware: { '*': [requireUser], 'admin.users': [requireAdmin] },
      handlers: {
        me: ({ ctx }) => ctx.user.name,
        admin: {
          users: { list: ({ ctx }) => [ctx.user.name], ban: () => undefined },
          audit: async function* ({ ctx }) {
            yield ctx.user.name;
          },
        },
        chat: {
          send: ({ ctx }) => {
            expectTypeOf(ctx.user).toEqualTypeOf<User>();
          },
        },
      },
    });
  });

  it('uses the extension as the context of a server without a context function', () => {
    createServer(api, {
      middleware: { chat: [withRequestId] },
      handlers: {
        ...plainHandlers,
        me: ({ ctx }) => {
          expectTypeOf(ctx).toEqualTypeOf<undefined>();
          return 'x';
        },
        chat: {
          send: ({ ctx }) => {
            expectTypeOf(ctx).toEqualTypeOf<{ requestId: string }>();
          },
        },
      },
    });
  });

  it('rejects a handler that relies on an extension its middleware does not add', () => {
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      middleware: { admin: [requireUser] },
      handlers: {
        ...plainHandlers,
        // @ts-expect-error -- `me` is not behind requireUser: its user may be null
        me: ({ ctx }) => ctx.user.name,
      },
    });
  });
});

describe('middleware map checks', () => {
  it('rejects keys that are neither a namespace nor a procedure', () => {
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      // @ts-expect-error -- "nope" is not in the contract
      middleware: { nope: [timing] },
      handlers: plainHandlers,
    });
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      // @ts-expect-error -- namespaces are named without a wildcard
      middleware: { 'admin.*': [timing] },
      handlers: plainHandlers,
    });
  });

  it('rejects a middleware that needs a context its position does not provide', () => {
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      // @ts-expect-error -- requireAdmin needs a non-null user
      middleware: { admin: [requireAdmin] },
      handlers: plainHandlers,
    });
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      // @ts-expect-error -- requireAdmin runs before requireUser
      middleware: { admin: [requireAdmin, requireUser] },
      handlers: plainHandlers,
    });
    createServer(api, {
      // @ts-expect-error -- requireUser needs a context with a user; this server has none
      middleware: { '*': [requireUser] },
      handlers: plainHandlers,
    });
  });

  it('accepts a middleware whose context an enclosing key or an earlier one provides', () => {
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      middleware: { '*': [requireUser], admin: [requireAdmin] },
      handlers: plainHandlers,
    });
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      middleware: { admin: [requireUser], 'admin.users.ban': [requireAdmin] },
      handlers: plainHandlers,
    });
  });

  it('keeps the order of a map declared apart when it is declared as const', () => {
    const ordered = { admin: [requireUser, requireAdmin] } as const;
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      middleware: ordered,
      handlers: {
        ...plainHandlers,
        admin: { ...plainHandlers.admin, users: { ...plainHandlers.admin.users, list: ({ ctx }) => [ctx.user.name] } },
      },
    });
    // Without `as const` the array has no order: each middleware is checked against the context before the list.
    const unordered = { admin: [requireUser, requireAdmin] };
    createServer(api, {
      context: (info: ConnectionInfo) => ({ user: lookup(info) }),
      // @ts-expect-error -- requireAdmin may run before requireUser
      middleware: unordered,
      handlers: plainHandlers,
    });
  });
});

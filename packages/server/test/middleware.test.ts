import { defineContract, mutation, query, subscription, type RpcError } from '@wirecall/schema';
import {
  createServer,
  defineMiddleware,
  MiddlewareConfigError,
  RpcError as ServerRpcError,
  type ConnectionInfo,
  type Handlers,
  type Logger,
  type MiddlewareOptions,
} from '@wirecall/server';
import { createDeferred, startTestServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

interface User {
  readonly name: string;
  readonly role: 'admin' | 'member';
}

interface Ctx {
  readonly user: User | null;
}

const api = defineContract({
  whoami: query({ output: z.string() }),
  echo: query({ input: z.object({ text: z.string() }), output: z.string() }),
  fail: mutation({ input: z.object({ mode: z.enum(['forbidden', 'crash', 'bad-output']) }), output: z.string() }),
  admin: {
    users: {
      list: query({ output: z.array(z.string()) }),
      ban: mutation({ input: z.object({ name: z.string() }) }),
    },
    audit: subscription({ event: z.string() }),
  },
});

/** `?user=ada&role=admin` on the URL signs in; no `user` means anonymous. */
function context({ url }: ConnectionInfo): Ctx {
  const name = url.searchParams.get('user');
  return { user: name === null ? null : { name, role: url.searchParams.get('role') === 'admin' ? 'admin' : 'member' } };
}

/** Handlers that append what they run to `log`. */
function handlersFor(log: string[]): Handlers<typeof api, Ctx> {
  return {
    whoami: ({ ctx }) => {
      log.push('handler:whoami');
      return ctx.user?.name ?? 'anonymous';
    },
    echo: ({ input }) => input.text,
    fail: ({ input }) => {
      log.push('handler:fail');
      if (input.mode === 'forbidden') throw new ServerRpcError('FORBIDDEN', 'not today');
      if (input.mode === 'crash') throw new Error('secret database password');
      return 42 as never;
    },
    admin: {
      users: {
        list: () => {
          log.push('handler:admin.users.list');
          return ['ada', 'grace'];
        },
        ban: () => {
          log.push('handler:admin.users.ban');
        },
      },
      audit: () => {
        log.push('handler:admin.audit');
        return (async function* () {
          log.push('first event');
          yield 'login';
        })();
      },
    },
  };
}

/** Appends `name` before the rest of the chain runs and `/name` after it resolved. */
function mark(log: string[], name: string) {
  return defineMiddleware(async ({ next }: MiddlewareOptions) => {
    log.push(name);
    const result = await next();
    log.push(`/${name}`);
    return result;
  });
}

const requireUser = defineMiddleware(async ({ ctx, next }: MiddlewareOptions<Ctx>) => {
  if (ctx.user === null) throw new ServerRpcError('UNAUTHORIZED', 'sign in first');
  return next({ user: ctx.user });
});

function requireRole(role: User['role']) {
  return defineMiddleware(async ({ ctx, next }: MiddlewareOptions<{ user: User }>) => {
    if (ctx.user.role !== role) throw new ServerRpcError('FORBIDDEN', `${role}s only`);
    return next();
  });
}

function collectingLogger(): Logger & { readonly entries: { message: string; details: unknown }[] } {
  const entries: { message: string; details: unknown }[] = [];
  return {
    entries,
    error: (message, details) => entries.push({ message, details }),
    warn: (message, details) => entries.push({ message, details }),
  };
}

describe('middleware', () => {
  it('runs "*" first, then namespaces from the outermost in, then the procedure, in array order within a key', async () => {
    const log: string[] = [];
    const { client } = await startTestServer(api, {
      context,
      middleware: {
        '*': [mark(log, '*1'), mark(log, '*2')],
        'admin.users.list': [mark(log, 'list')],
        'admin.users': [mark(log, 'admin.users')],
        admin: [mark(log, 'admin')],
      },
      handlers: handlersFor(log),
    });
    const rpc = client();
    await expect(rpc.admin.users.list.query()).resolves.toEqual(['ada', 'grace']);
    expect(log.splice(0)).toEqual([
      '*1',
      '*2',
      'admin',
      'admin.users',
      'list',
      'handler:admin.users.list',
      '/list',
      '/admin.users',
      '/admin',
      '/*2',
      '/*1',
    ]);
    await rpc.admin.users.ban.mutate({ name: 'x' });
    expect(log.splice(0)).toEqual(['*1', '*2', 'admin', 'admin.users', 'handler:admin.users.ban', '/admin.users', '/admin', '/*2', '/*1']);
    await rpc.whoami.query();
    expect(log.splice(0)).toEqual(['*1', '*2', 'handler:whoami', '/*2', '/*1']);
  });

  it('merges what a middleware passes to next() into the context of later middleware and the handler', async () => {
    const seenByLater: unknown[] = [];
    const greet = defineMiddleware(async ({ ctx, next }: MiddlewareOptions<{ user: User }>) => {
      seenByLater.push(ctx.user.name);
      return next({ greeting: `hello ${ctx.user.name}` });
    });
    const { url, client } = await startTestServer(api, {
      context,
      middleware: { admin: [requireUser, greet] },
      handlers: {
        ...handlersFor([]),
        admin: {
          ...handlersFor([]).admin,
          users: {
            ...handlersFor([]).admin.users,
            list: ({ ctx }) => [ctx.user.name, ctx.user.role, ctx.greeting],
          },
        },
      },
    });
    await expect(client({ url: `${url}?user=ada&role=admin` }).admin.users.list.query()).resolves.toEqual([
      'ada',
      'admin',
      'hello ada',
    ]);
    expect(seenByLater).toEqual(['ada']);
  });

  it('refuses a call with the RpcError a middleware throws: code and message reach the client, the handler never runs', async () => {
    const log: string[] = [];
    const { url, client } = await startTestServer(api, {
      context,
      middleware: { admin: [requireUser, requireRole('admin')] },
      handlers: handlersFor(log),
    });
    const anonymous = client();
    const member = client({ url: `${url}?user=bob` });
    const admin = client({ url: `${url}?user=ada&role=admin` });
    await expect(anonymous.admin.users.list.query()).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'sign in first' });
    await expect(member.admin.users.list.query()).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'admins only' });
    expect(log).toEqual([]);
    // The refusal is one request's error: the connection stays open and other procedures still answer.
    await expect(member.whoami.query()).resolves.toBe('bob');
    await expect(admin.admin.users.list.query()).resolves.toEqual(['ada', 'grace']);
    expect(log).toEqual(['handler:whoami', 'handler:admin.users.list']);
  });

  it('lets a middleware observe the output, the failure and the duration of the rest of the chain', async () => {
    const observed: { path: string; output?: unknown; error?: unknown; durationMs: number }[] = [];
    const observe = defineMiddleware(async ({ path, next }: MiddlewareOptions) => {
      const started = performance.now();
      try {
        const result = await next();
        observed.push({ path, output: result.output, durationMs: performance.now() - started });
        return result;
      } catch (error) {
        observed.push({ path, error, durationMs: performance.now() - started });
        throw error;
      }
    });
    const logger = collectingLogger();
    const { client } = await startTestServer(api, { context, logger, middleware: { '*': [observe] }, handlers: handlersFor([]) });
    const rpc = client();
    await expect(rpc.echo.query({ text: 'hi' })).resolves.toBe('hi');
    await expect(rpc.fail.mutate({ mode: 'forbidden' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'not today' });
    await expect(rpc.fail.mutate({ mode: 'crash' })).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
    });
    await expect(rpc.fail.mutate({ mode: 'bad-output' })).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });

    expect(observed.map(({ durationMs }) => durationMs >= 0)).toEqual([true, true, true, true]);
    const [echo, forbidden, crash, badOutput] = observed;
    expect(echo).toMatchObject({ path: 'echo', output: 'hi' });
    expect(forbidden?.error).toMatchObject({ code: 'FORBIDDEN' });
    // Middleware sees what the handler threw, before it is masked for the wire.
    expect((crash?.error as Error).message).toBe('secret database password');
    expect(badOutput?.error).toMatchObject({ name: 'OutputValidationError' });
  });

  it('resolves next() of a subscription once the handler returned its iterable, and refuses like a call', async () => {
    const log: string[] = [];
    const { url, client } = await startTestServer(api, {
      context,
      middleware: { admin: [requireUser, requireRole('admin'), mark(log, 'mark')] },
      handlers: handlersFor(log),
    });
    const refused = createDeferred<RpcError>();
    client({ url: `${url}?user=bob` }).admin.audit.subscribe(undefined, { onError: refused.resolve });
    await expect(withTimeout(refused.promise, 2000, 'the refusal')).resolves.toMatchObject({
      code: 'FORBIDDEN',
      message: 'admins only',
    });

    const events: string[] = [];
    for await (const event of client({ url: `${url}?user=ada&role=admin` }).admin.audit.subscribe()) events.push(event);
    expect(events).toEqual(['login']);
    expect(log).toEqual(['mark', 'handler:admin.audit', '/mark', 'first event']);
  });

  it('runs the same chain for the in-process caller', async () => {
    const log: string[] = [];
    const { server } = await startTestServer(api, {
      context,
      middleware: { '*': [mark(log, '*')], admin: [requireUser, requireRole('admin')] },
      handlers: handlersFor(log),
    });
    await expect(server.createCaller({ user: null }).admin.users.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(server.createCaller({ user: { name: 'bob', role: 'member' } }).admin.users.list()).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(server.createCaller({ user: { name: 'ada', role: 'admin' } }).admin.users.list()).resolves.toEqual(['ada', 'grace']);
    const events: string[] = [];
    for await (const event of server.createCaller({ user: { name: 'ada', role: 'admin' } }).admin.audit()) events.push(event);
    expect(events).toEqual(['login']);
    expect(log).toEqual(['*', '*', '*', 'handler:admin.users.list', '/*', '*', 'handler:admin.audit', '/*', 'first event']);
  });

  it('aborts the signal of a middleware when the call is cancelled, and then never runs the handler', async () => {
    const log: string[] = [];
    const entered = createDeferred();
    const settled = createDeferred<unknown>();
    const waitForAbort = defineMiddleware(async ({ signal, next }: MiddlewareOptions) => {
      entered.resolve();
      await new Promise((resolve) => {
        signal.addEventListener('abort', resolve, { once: true });
      });
      try {
        return await next();
      } catch (error) {
        settled.resolve(error);
        throw error;
      }
    });
    const { client } = await startTestServer(api, { context, middleware: { whoami: [waitForAbort] }, handlers: handlersFor(log) });
    const controller = new AbortController();
    const pending = client().whoami.query(undefined, { signal: controller.signal });
    await withTimeout(entered.promise, 2000, 'the middleware to run');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(withTimeout(settled.promise, 2000, 'next() to reject')).resolves.toMatchObject({ code: 'CANCELLED' });
    expect(log).toEqual([]);
  });

  it('answers INTERNAL_SERVER_ERROR and logs when a middleware resolves without next() or calls it twice', async () => {
    const logger = collectingLogger();
    const forge = defineMiddleware(async () => ({ output: 'forged' }));
    const twice = defineMiddleware(async ({ next }: MiddlewareOptions) => {
      await next();
      return next();
    });
    const log: string[] = [];
    const { client } = await startTestServer(api, {
      context,
      logger,
      middleware: { whoami: [forge], 'admin.users.list': [twice] },
      handlers: handlersFor(log),
    });
    const rpc = client();
    await expect(rpc.whoami.query()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
    await expect(rpc.admin.users.list.query()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(log).toEqual(['handler:admin.users.list']);
    expect(logger.entries.map(({ details }) => (details as { error: Error }).error.message)).toEqual([
      'middleware #1 of "whoami" must call next() and resolve with its result',
      'middleware #1 of "admin.users.list" called next() twice',
    ]);
  });

  it('throws MiddlewareConfigError at startup for keys that name nothing and for non-functions', () => {
    const start = (middleware: object) => () =>
      // @ts-expect-error -- the compile-time check is bypassed on purpose: plain JavaScript callers get the startup error
      createServer(api, { context, middleware, handlers: handlersFor([]) });
    expect(start({ nope: [requireUser] })).toThrow(MiddlewareConfigError);
    expect(start({ nope: [requireUser], 'admin.*': [requireUser], admin: [requireUser, undefined], whoami: requireUser })).toThrow(
      'middleware does not match the contract: ' +
        'key "nope" is neither a namespace nor a procedure of the contract; ' +
        'key "admin.*" is neither a namespace nor a procedure of the contract (use "admin" for every procedure under a namespace); ' +
        'middleware["admin"][1] must be a function, got undefined; ' +
        'middleware["whoami"] must be an array, got function',
    );
  });
});

import { defineContract, query, type RpcError } from '@wirecall/schema';
import { createServer } from '@wirecall/server';
import { startFixtureServer } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('in-process caller', () => {
  it('invokes queries, mutations and nested procedures with the given context', async () => {
    const { server } = await startFixtureServer();
    const caller = server.createCaller({ user: 'grace' });
    await expect(caller.greet({ name: 'Ada' })).resolves.toBe('Hello Ada');
    await expect(caller.whoami()).resolves.toEqual({ user: 'grace' });
    await expect(caller.admin.users.rename({ from: 'a', to: 'a' })).resolves.toEqual({ renamed: false });
  });

  it('validates input and masks unexpected errors like the wire does, keeping the cause', async () => {
    const { server } = await startFixtureServer();
    const caller = server.createCaller({ user: null });
    await expect(caller.greet({ name: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const error = (await caller.fail({ mode: 'crash' }).catch((caught: unknown) => caught)) as RpcError;
    expect(error).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
    expect((error.cause as Error).message).toContain('secret');
    await expect(caller.fail({ mode: 'bad-output' })).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it('aborts the handler on signal and deadline', async () => {
    const { server } = await startFixtureServer();
    const caller = server.createCaller({ user: null });
    await expect(caller.wait({ ms: 10_000 }, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const controller = new AbortController();
    const pending = caller.wait({ ms: 10_000 }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('iterates subscriptions with validated events and runs finally on break', async () => {
    const { server, probe } = await startFixtureServer();
    const caller = server.createCaller({ user: null });
    const seen: number[] = [];
    for await (const value of caller.count({ to: 3 })) seen.push(value);
    expect(seen).toEqual([1, 2, 3]);
    for await (const value of caller.ticks()) {
      if (value === 2) break;
    }
    expect(probe.liveGenerators).toBe(0);
    const bad = caller.count({ to: 3, badAt: 2 })[Symbol.asyncIterator]();
    await expect(bad.next()).resolves.toEqual({ done: false, value: 1 });
    await expect(bad.next()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it('needs no listening server', async () => {
    const api = defineContract({ double: query({ input: z.number(), output: z.number() }) });
    const server = createServer(api, { handlers: { double: ({ input }) => input * 2 } });
    await expect(server.createCaller(undefined).double(21)).resolves.toBe(42);
    await server.close();
  });
});

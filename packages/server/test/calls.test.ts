import { isProcedureError, RpcError } from '@wirecall/schema';
import { fixtureContract, startFixtureServer } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';

describe('queries and mutations', () => {
  it('answers a query with input, one without input and a mutation', async () => {
    const { openClient } = await startFixtureServer();
    const client = await openClient();
    await expect(client.greet.query({ name: 'Ada' })).resolves.toBe('Hello Ada');
    await expect(client.ping.query()).resolves.toBe('pong');
    await expect(client.admin.users.rename.mutate({ from: 'a', to: 'b' })).resolves.toEqual({ renamed: true });
  });

  it('routes nested namespaces by their dotted path', async () => {
    const { client } = await startFixtureServer();
    await expect(client().admin.users.list.query()).resolves.toEqual(['ada', 'grace']);
  });

  it('queues calls made before the socket opens and sends them on open', async () => {
    const { client } = await startFixtureServer();
    const fresh = client();
    expect(fresh.$state).toBe('connecting');
    await expect(Promise.all([fresh.add.query({ a: 1, b: 2 }), fresh.ping.query()])).resolves.toEqual([3, 'pong']);
  });

  it('correlates 1,000 concurrent calls on one connection', async () => {
    const { openClient } = await startFixtureServer();
    const client = await openClient();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, index) => client.add.query({ a: index, b: 1 })));
    expect(results).toEqual(Array.from({ length: 1000 }, (_, index) => index + 1));
  });

  it('runs calls concurrently: a slow handler does not block a fast one', async () => {
    const { openClient } = await startFixtureServer();
    const client = await openClient();
    const order: string[] = [];
    const slow = client.wait.query({ ms: 300 }).then(() => order.push('slow'));
    const fast = client.ping.query().then(() => order.push('fast'));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['fast', 'slow']);
  });

  it('passes the connection context built from the upgrade request', async () => {
    const { url, client } = await startFixtureServer();
    await expect(client({ url: `${url}?user=ada` }).whoami.query()).resolves.toEqual({ user: 'ada' });
  });

  it('round-trips Date, Map, Set, BigInt and undefined through superjson', async () => {
    const { client } = await startFixtureServer();
    const value = {
      at: new Date('2026-11-23T10:00:00Z'),
      map: new Map([['k', 1]]),
      set: new Set([1, 2]),
      big: 2n ** 70n,
      nothing: undefined,
    };
    const echoed = (await client().echo.query(value)) as typeof value;
    expect(echoed).toEqual(value);
    expect(echoed.at).toBeInstanceOf(Date);
    expect(Object.hasOwn(echoed, 'nothing')).toBe(true);
  });
});

describe('errors', () => {
  it('returns BAD_REQUEST with the zod issues when the input is invalid', async () => {
    const { client } = await startFixtureServer();
    const error = await client()
      .greet.query({ name: '' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({
      code: 'BAD_REQUEST',
      data: { issues: [{ code: 'too_small', path: ['name'] }] },
    });
  });

  it('sends a handler-chosen code and message', async () => {
    const { client } = await startFixtureServer();
    await expect(client().fail.mutate({ mode: 'rpc' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'not for you',
    });
  });

  it('masks unexpected errors as INTERNAL_SERVER_ERROR and logs the original', async () => {
    const { client, probe } = await startFixtureServer();
    const error = await client()
      .fail.mutate({ mode: 'crash' })
      .catch((caught: unknown) => caught as RpcError);
    expect(error).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
    expect(JSON.stringify(error)).not.toContain('secret');
    expect(String((error as RpcError).stack)).not.toContain('secret');
    expect(probe.logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'handler of "fail" failed' }));
  });

  it('masks an output that breaks the contract as INTERNAL_SERVER_ERROR', async () => {
    const { client, probe } = await startFixtureServer();
    await expect(client().fail.mutate({ mode: 'bad-output' })).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
    });
    expect(probe.logs[0]?.message).toBe('handler of "fail" failed');
  });

  it('masks a custom code the procedure does not declare', async () => {
    const { client, probe } = await startFixtureServer();
    await expect(client().fail.mutate({ mode: 'undeclared' })).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
    });
    expect(probe.logs[0]?.message).toContain('"NOT_DECLARED"');
  });

  it('masks CANCELLED and CONNECTION_LOST thrown by a handler: only clients produce them', async () => {
    const { client, probe } = await startFixtureServer();
    await expect(client().fail.mutate({ mode: 'client-code' })).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
    });
    expect(probe.logs[0]?.message).toBe('handler of "fail" threw CONNECTION_LOST, a code only clients produce');
  });

  it('delivers a declared error with its typed data', async () => {
    const { client } = await startFixtureServer();
    const error = await client()
      .rooms.join.mutate({ room: 'full' })
      .catch((caught: unknown) => caught);
    expect(isProcedureError(fixtureContract.rooms.join, error)).toBe(true);
    if (!isProcedureError(fixtureContract.rooms.join, error) || error.code !== 'ROOM_FULL') {
      throw new Error('expected ROOM_FULL');
    }
    expect(error.data.capacity).toBe(2);
    expect(error.message).toBe('room is full');
  });

  it('masks a declared error whose data breaks its schema', async () => {
    const { client } = await startFixtureServer();
    await expect(client().rooms.join.mutate({ room: 'bad-data' })).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
    });
  });
});

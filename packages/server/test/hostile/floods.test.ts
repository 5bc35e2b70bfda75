import { createClient } from '@wirecall/client';
import { fixtureContract, rawClient, startFixtureServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

/** Waits, bounded, until `condition()` holds (polling a server-side counter). */
async function until(condition: () => boolean, what: string): Promise<void> {
  await withTimeout(
    (async () => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
    })(),
    10_000,
    what,
  );
}

describe('floods', () => {
  it('answers a flood of calls and keeps a healthy client working', async () => {
    const { url, openClient } = await startFixtureServer();
    const healthy = await openClient();
    const attacker = await rawClient(url);
    const flood = Array.from({ length: 1000 }, (_, index) => ({ type: 'call', id: String(index), path: 'add', input: { a: index, b: 0 } }));
    attacker.send(flood);
    await expect(healthy.ping.query()).resolves.toBe('pong');
    const replies = (await attacker.nextMessages(1000, 10_000)) as { id: string; output?: number }[];
    expect(replies.filter((reply) => reply.output === Number(reply.id))).toHaveLength(1000);
    await expect(healthy.add.query({ a: 2, b: 2 })).resolves.toBe(4);
  });

  it('survives floods of subscribe and cancel without leaking generators', async () => {
    const { url, openClient, probe } = await startFixtureServer();
    const healthy = await openClient();
    const attacker = await rawClient(url);
    for (let round = 0; round < 20; round += 1) {
      const ids = Array.from({ length: 50 }, (_, index) => `${String(round)}-${String(index)}`);
      attacker.send(ids.flatMap((id) => [{ type: 'subscribe', id, path: 'chat.messages', input: { room: id } }, { type: 'cancel', id }]));
    }
    await expect(healthy.ping.query()).resolves.toBe('pong');
    await until(() => probe.liveGenerators === 0, 'every flooded generator to finish');
    await expect(healthy.add.query({ a: 1, b: 1 })).resolves.toBe(2);
  });

  it('releases everything when a thousand connections open and drop', async () => {
    // All test connections come from 127.0.0.1: lift the per-address limit (256 by default).
    const { url, server, openClient, probe } = await startFixtureServer({ maxConnectionsPerAddress: 2000 });
    const healthy = await openClient();
    const baseline = server.connectionCount;
    const sockets = await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(url, 'wirecall.v1+json');
            socket.on('open', () => {
              socket.send(
                JSON.stringify([{ type: 'hello' }, { type: 'subscribe', id: 's', path: 'chat.messages', input: { room: 'r' } }]),
              );
              resolve(socket);
            });
            socket.on('error', reject);
          }),
      ),
    );
    await until(() => server.connectionCount === baseline + 1000, 'all connections to be counted');
    for (const socket of sockets) socket.terminate();
    await until(() => server.connectionCount === baseline, 'every dropped connection to be released');
    await until(() => probe.liveGenerators === 0, 'every subscription generator to finish');
    await expect(healthy.ping.query()).resolves.toBe('pong');
  }, 30_000);

  it('keeps serving when clients disconnect in the middle of every kind of operation', async () => {
    const { url, server, openClient, probe } = await startFixtureServer();
    const healthy = await openClient();
    for (let round = 0; round < 20; round += 1) {
      const client = createClient(fixtureContract, { url, WebSocket, reconnect: false });
      void client.wait.query({ ms: 10_000 }).catch(() => undefined);
      void client.admin.users.rename.mutate({ from: 'a', to: 'b' }).catch(() => undefined);
      client.ticks.subscribe(undefined, { onData: () => undefined });
      client.count.subscribe({ to: 1000 }, { onData: () => undefined });
      await client.ping.query();
      void client.$close();
    }
    await until(() => server.connectionCount === 1 && probe.liveGenerators === 0, 'every connection and generator to be released');
    await expect(healthy.ping.query()).resolves.toBe('pong');
  });
});

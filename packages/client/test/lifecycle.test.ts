import { backoffDelay, createClient, type ConnectionStatus } from '@wirecall/client';
import { defineContract, query, RpcError, subscription } from '@wirecall/schema';
import { createServer, type ConnectionInfo } from '@wirecall/server';
import {
  createDeferred,
  fixtureContract,
  rawClient,
  startFixtureServer,
  startTcpProxy,
  startTestServer,
  withTimeout,
} from '@wirecall/testing';
import { EventEmitter, on, once } from 'node:events';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

/** Resolves with the first status that satisfies `predicate`. */
function statusWhere(
  client: { $status: ConnectionStatus; $onStatus: (listener: (status: ConnectionStatus) => void) => () => void },
  predicate: (status: ConnectionStatus) => boolean,
  what: string,
): Promise<ConnectionStatus> {
  if (predicate(client.$status)) return Promise.resolve(client.$status);
  const found = createDeferred<ConnectionStatus>();
  const stop = client.$onStatus((status) => {
    if (predicate(status)) found.resolve(status);
  });
  return withTimeout(found.promise, 3000, what).finally(stop);
}

/** The URL of a loopback TCP server that drops every connection: a WebSocket server that is down. */
async function refusingUrl(): Promise<string> {
  const server = createNetServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return `ws://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
}

const authApi = defineContract({ me: query({ output: z.string() }) });

async function startAuthServer(accept: (info: ConnectionInfo) => string) {
  let connections = 0;
  const started = await startTestServer(authApi, {
    logger: { error: () => undefined, warn: () => undefined },
    context: (info: ConnectionInfo) => {
      connections += 1;
      return { user: accept(info) };
    },
    handlers: { me: ({ ctx }) => ctx.user },
  });
  return { ...started, connections: () => connections };
}

describe('handshake', () => {
  it('closes with 4408 when no hello arrives in time', async () => {
    const { url } = await startTestServer(authApi, { helloTimeoutMs: 30, handlers: { me: () => 'x' } });
    const raw = await rawClient(url, { hello: false });
    await expect(raw.closed()).resolves.toMatchObject({ code: 4408, reason: 'no hello within 30 ms' });
  });

  it('closes with 4400 when the first message is not hello', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url, { hello: false });
    raw.send({ type: 'call', id: '1', path: 'ping' });
    await expect(raw.closed()).resolves.toMatchObject({ code: 4400, reason: 'the first message must be "hello", got "call"' });
  });

  it('answers hello with welcome, carrying the limits, and handles calls pipelined behind it', async () => {
    const { url } = await startTestServer(authApi, { maxInFlightCalls: 7, maxSubscriptions: 3, heartbeatIntervalMs: 0, handlers: { me: () => 'x' } });
    const raw = await rawClient(url, { hello: false });
    raw.send([{ type: 'hello' }, { type: 'call', id: '1', path: 'me' }]);
    const [welcome, result] = await raw.nextMessages(2);
    expect(welcome).toMatchObject({
      type: 'welcome',
      heartbeatIntervalMs: 0,
      limits: { maxPayloadBytes: 1024 * 1024, maxInFlightCalls: 7, maxSubscriptions: 3 },
    });
    expect((welcome as { connectionId: string }).connectionId).toMatch(/^[\w-]{21}$/);
    expect(result).toEqual({ type: 'result', id: '1', output: 'x' });
  });
});

describe('limits', () => {
  it('frees the slot of a cancelled call at once, even while its handler winds down', async () => {
    const { openClient } = await startFixtureServer({ maxInFlightCalls: 1 });
    const client = await openClient();
    const controller = new AbortController();
    const slow = client.wait.query({ ms: 10_000 }, { signal: controller.signal });
    controller.abort();
    await expect(slow).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(client.add.query({ a: 1, b: 2 })).resolves.toBe(3);
  });

  it('holds calls beyond the server limit on the client instead of failing them', async () => {
    const { openClient } = await startFixtureServer({ maxInFlightCalls: 2 });
    const client = await openClient();
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => client.add.query({ a: index, b: 0 })));
    expect(results).toEqual(Array.from({ length: 10 }, (_, index) => index));
  });

  it('sends a call at once while subscriptions wait at their own limit', async () => {
    const { openClient } = await startFixtureServer({ maxSubscriptions: 1 });
    const client = await openClient();
    const first = client.ticks.subscribe(undefined, { onData: () => undefined, shared: false });
    const waiting = client.ticks.subscribe(undefined, { onData: () => undefined, shared: false });
    await expect(client.add.query({ a: 1, b: 2 })).resolves.toBe(3);
    first.unsubscribe();
    waiting.unsubscribe();
  });

  it('does not bound the calls held behind the server limit while connected (maxQueuedRequests is for disconnections)', async () => {
    const { openClient } = await startFixtureServer({ maxInFlightCalls: 1 });
    const client = await openClient({ maxQueuedRequests: 2 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => client.add.query({ a: index, b: 0 })));
    expect(results).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });

  it('bounds the requests held while not connected, live subscriptions included', async () => {
    const client = createClient(fixtureContract, {
      url: await refusingUrl(),
      WebSocket,
      maxQueuedRequests: 2,
      reconnect: { initialDelayMs: 60_000 },
    });
    const held = client.ping.query();
    const subscription = client.ticks.subscribe(undefined, { onData: () => undefined });
    await expect(client.ping.query()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'not connected, and 2 requests already wait',
    });
    subscription.unsubscribe();
    const next = client.ping.query();
    await client.$close();
    await expect(held).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    await expect(next).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
  });

  it('refuses locally a request larger than the server accepts', async () => {
    const { openClient } = await startFixtureServer({ maxPayloadBytes: 1024 });
    const client = await openClient();
    await expect(client.echo.query('x'.repeat(2000))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(client.ping.query()).resolves.toBe('pong');
    expect(client.$state).toBe('open');
  });

  it('rejects invalid limits at startup', () => {
    expect(() => createServer(authApi, { maxInFlightCalls: 0, handlers: { me: () => 'x' } })).toThrow(
      'maxInFlightCalls must be an integer from 1 to 2147483647, got 0',
    );
  });
});

describe('authentication at connect', () => {
  it('authenticates with params from a function, a cookie or a header', async () => {
    const { url, client } = await startAuthServer((info) => {
      const params = info.params as { token?: string } | undefined;
      return params?.token ?? info.cookies.session ?? info.headers.authorization ?? 'anonymous';
    });
    await expect(client({ params: () => ({ token: 'ada' }) }).me.query()).resolves.toBe('ada');
    class CookieSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { cookie: 'session=grace', authorization: 'Bearer x' } });
      }
    }
    await expect(createClient(authApi, { url, WebSocket: CookieSocket }).me.query()).resolves.toBe('grace');
  });

  it('stops instead of retrying when the server rejects params that do not change', async () => {
    const { client, connections } = await startAuthServer(() => {
      throw new RpcError('UNAUTHORIZED', 'bad token');
    });
    const live = client({ params: () => ({ token: 'stale' }), reconnect: { initialDelayMs: 1 } });
    await expect(live.me.query()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(live.$state).toBe('closed');
    expect(live.$status.lastClose).toEqual({ code: 4401, reason: 'bad token' });
    expect(connections()).toBe(1);
  });

  it('retries when the params function returns new params after a rejection', async () => {
    const tokens = ['expired', 'fresh'];
    const { client } = await startAuthServer((info) => {
      const { token } = info.params as { token: string };
      if (token !== 'fresh') throw new RpcError('UNAUTHORIZED', 'token expired');
      return 'ada';
    });
    const live = client({ params: () => ({ token: tokens.shift() ?? 'fresh' }), reconnect: { initialDelayMs: 1 } });
    await expect(live.me.query()).resolves.toBe('ada');
  });

  it('surfaces FORBIDDEN when the server forbids the connection and there are no params to change', async () => {
    const { client } = await startAuthServer(() => {
      throw new RpcError('FORBIDDEN', 'banned');
    });
    await expect(client().me.query()).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'banned' });
  });
});

describe('handshake robustness', () => {
  it('closes with 4408 when the context function takes longer than the handshake timeout', async () => {
    const { url } = await startTestServer(authApi, {
      helloTimeoutMs: 40,
      logger: { error: () => undefined, warn: () => undefined },
      context: () => new Promise<{ user: string }>(() => undefined),
      handlers: { me: ({ ctx }) => ctx.user },
    });
    const raw = await rawClient(url, { hello: false });
    raw.send({ type: 'hello' });
    await expect(raw.closed()).resolves.toMatchObject({ code: 4408 });
  });

  it('stops with BAD_REQUEST when the connection params cannot be encoded', async () => {
    const { client } = await startFixtureServer();
    const live = client({ params: () => ({ big: 1n }), codec: (await import('@wirecall/client')).jsonCodec });
    await expect(live.ping.query()).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'the connection params could not be encoded' });
    expect(live.$state).toBe('closed');
  });
});

describe('credential expiry', () => {
  it('re-authenticates before the credentials expire, and keeps the connection', async () => {
    let issued = 0;
    const { client, connections } = await startAuthServer((info) => {
      issued += 1;
      info.expireAt(Date.now() + 200);
      return `ada#${String(issued)}`;
    });
    const live = client({ params: () => ({ token: 't' }), refreshBeforeExpiryMs: 150 });
    await expect(live.me.query()).resolves.toBe('ada#1');
    const connectionId = live.$status.connectionId;
    // The refresh happens ~50 ms after connecting; wait for the context that it builds.
    await withTimeout(
      (async () => {
        while ((await live.me.query()) === 'ada#1') await new Promise((resolve) => setImmediate(resolve));
      })(),
      3000,
      'the re-authentication',
    );
    expect(live.$status.connectionId).toBe(connectionId);
    expect(connections()).toBe(2);
  });

  it('closes with 4401 when credentials expire without a re-authentication', async () => {
    const { url } = await startAuthServer((info) => {
      info.expireAt(Date.now() + 30);
      return 'ada';
    });
    const raw = await rawClient(url);
    await expect(raw.closed()).resolves.toMatchObject({ code: 4401, reason: 'credentials expired' });
  });
});

describe('heartbeats', () => {
  it('detects a frozen server, reports 1006, and reconnects once the path is back', async () => {
    const { port, client } = await startFixtureServer();
    const proxy = await startTcpProxy(port);
    const live = client({ url: proxy.url, heartbeat: { intervalMs: 40, timeoutMs: 40 }, reconnect: { initialDelayMs: 20, maxDelayMs: 40 } });
    await expect(live.ping.query()).resolves.toBe('pong');
    await statusWhere(live, (status) => status.rttMs !== undefined, 'a round-trip measurement');
    proxy.freeze();
    const reconnecting = await statusWhere(live, (status) => status.state === 'reconnecting', 'the dead server to be noticed');
    expect(reconnecting.lastClose).toEqual({ code: 1006, reason: 'the server did not answer a heartbeat' });
    proxy.thaw();
    await expect(withTimeout(live.ping.query(), 3000, 'a call after reconnecting')).resolves.toBe('pong');
  });

  it('terminates on the server a peer that stops answering pings', async () => {
    const { port, server } = await startTestServer(authApi, { heartbeatIntervalMs: 30, handlers: { me: () => 'x' } });
    const proxy = await startTcpProxy(port);
    await rawClient(proxy.url);
    expect(server.connectionCount).toBe(1);
    proxy.freeze();
    await withTimeout(
      (async () => {
        while (server.connectionCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      3000,
      'the server to drop the silent peer',
    );
  });
});

describe('reconnection', () => {
  it('computes capped exponential backoff with full jitter', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelay(attempt, options, () => 0.999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
  });

  it('goes connecting → open → reconnecting → open → closed, with delays within the backoff bounds', async () => {
    const { port, client } = await startFixtureServer();
    const proxy = await startTcpProxy(port);
    const live = client({ url: proxy.url, reconnect: { initialDelayMs: 30, maxDelayMs: 60 } });
    const states: string[] = [live.$state];
    const delays: number[] = [];
    live.$onStateChange((state, status) => {
      states.push(state);
      if (status.nextDelayMs !== undefined) delays.push(status.nextDelayMs);
    });
    await live.ping.query();
    proxy.dropAll();
    await statusWhere(live, (status) => status.state === 'reconnecting', 'reconnecting');
    await withTimeout(live.ping.query(), 3000, 'the call after reconnecting');
    await live.$close();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'closed']);
    for (const delay of delays) expect(delay).toBeLessThan(30);
    expect(proxy.accepted()).toBe(2);
  });

  it('retries at once when the browser reports that it is back online', async () => {
    // Stand in for a browser window: the client listens for `online` on globalThis where it exists.
    const windowEvents = new EventTarget();
    const globals = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    globals.addEventListener = windowEvents.addEventListener.bind(windowEvents);
    globals.removeEventListener = windowEvents.removeEventListener.bind(windowEvents);
    onTestFinished(() => {
      delete globals.addEventListener;
      delete globals.removeEventListener;
    });
    const { port, client } = await startFixtureServer();
    const proxy = await startTcpProxy(port);
    const live = client({ url: proxy.url, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    await live.ping.query();
    // Backoff draws a random delay below the cap: drop until it is long enough to be told apart from "at once".
    let status = live.$status;
    do {
      proxy.dropAll();
      status = await statusWhere(live, (next) => next.state === 'reconnecting', 'reconnecting');
      if ((status.nextDelayMs ?? 0) < 1000) await withTimeout(live.ping.query(), 3000, 'the quick reconnect');
    } while ((status.nextDelayMs ?? 0) < 1000);
    windowEvents.dispatchEvent(new Event('online'));
    await expect(withTimeout(live.ping.query(), 1000, 'the call after coming back online')).resolves.toBe('pong');
  });

  it('keeps a subscription alive across a dropped connection', async () => {
    const { port, client, probe } = await startFixtureServer();
    const proxy = await startTcpProxy(port);
    const live = client({ url: proxy.url, reconnect: { initialDelayMs: 1, maxDelayMs: 5 } });
    const received: string[] = [];
    const errors: unknown[] = [];
    const second = createDeferred();
    let starts = 0;
    const restarted = createDeferred();
    probe.events.on('generator-start', () => {
      starts += 1;
      if (starts === 2) restarted.resolve();
    });
    const firstStart = createDeferred();
    probe.events.once('generator-start', () => {
      firstStart.resolve();
    });
    live.chat.messages.subscribe(
      { room: 'r' },
      {
        onData: (message) => {
          received.push(message.text);
          if (message.text === 'after') second.resolve();
        },
        onError: (error) => errors.push(error),
      },
    );
    await withTimeout(firstStart.promise, 2000, 'the first subscription');
    probe.publish('r', 'before');
    await expect(live.ping.query()).resolves.toBe('pong');
    proxy.dropAll();
    await withTimeout(restarted.promise, 3000, 'the resubscription');
    probe.publish('r', 'after');
    await withTimeout(second.promise, 2000, 'the event after reconnecting');
    expect(received).toEqual(['before', 'after']);
    expect(errors).toEqual([]);
  });
});

describe('graceful drain', () => {
  const liveApi = defineContract({
    add: query({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    ticks: subscription({ event: z.object({ server: z.number(), tick: z.number() }) }),
  });

  function startGeneration(generation: number, port: number) {
    const tick = new EventEmitter();
    const server = createServer(liveApi, {
      handlers: {
        add: ({ input }) => input.a + input.b,
        ticks: async function* ({ signal }) {
          for await (const [value] of on(tick, 'tick', { signal }) as AsyncIterable<[number]>) {
            yield { server: generation, tick: value };
          }
        },
      },
    });
    return { server, tick, listening: server.listen({ host: '127.0.0.1', port }) };
  }

  it('restarts a server on the same port without surfacing an error to the client', async () => {
    const first = startGeneration(1, 0);
    const { port, url } = await first.listening;
    const client = createClient(liveApi, { url, WebSocket, reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
    onTestFinished(() => client.$close());
    const events: { server: number; tick: number }[] = [];
    const errors: unknown[] = [];
    const fromSecond = createDeferred();
    client.ticks.subscribe(undefined, {
      onData: (event) => {
        events.push(event);
        if (event.server === 2) fromSecond.resolve();
      },
      onError: (error) => errors.push(error),
    });
    await expect(client.add.query({ a: 1, b: 1 })).resolves.toBe(2);
    first.tick.emit('tick', 1);
    await expect(client.add.query({ a: 2, b: 2 })).resolves.toBe(4);

    const calls = Array.from({ length: 20 }, (_, index) => client.add.query({ a: index, b: 100 }));
    await first.server.close({ reconnectWithinMs: 20, drainTimeoutMs: 1000 });
    const second = startGeneration(2, port);
    onTestFinished(() => second.server.close());
    await second.listening;
    await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: 20 }, (_, index) => index + 100));
    // Keep ticking until the resubscribed stream delivers from the new server.
    await withTimeout(
      (async () => {
        for (let tick = 2; events.every((event) => event.server !== 2); tick += 1) {
          second.tick.emit('tick', tick);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })(),
      3000,
      'events from the restarted server',
    );
    await fromSecond.promise;
    expect(events[0]).toEqual({ server: 1, tick: 1 });
    expect(errors).toEqual([]);
  });
});

describe('clean shutdown', () => {
  it('leaves nothing running: a Node process exits on its own after $close()', async () => {
    const { url } = await startFixtureServer();
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = fileURLToPath(new URL('./fixtures/close-and-exit.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@wirecall/source', '--import', 'tsx', script, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const code = await withTimeout(exited, 8000, 'the child process to exit by itself').catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'pong 3 closed' });
  });
});


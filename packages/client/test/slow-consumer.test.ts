import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

import { isRpcError, type RpcError, type SubscriptionGap } from '@wirecall/client';
import { defineContract, query, subscription } from '@wirecall/schema';
import { tracked } from '@wirecall/server';
import { createDeferred, plateau, startTestServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

// Issue #5: the client bounds its own buffers too.

const Numbered = z.object({ seq: z.number().int() });
const COUNT = 1000;

const api = defineContract({
  endless: subscription({ event: z.number() }),
  latest: subscription({ event: z.number(), overflow: 'latest' }),
  dropOldest: subscription({ event: Numbered, resumable: true, overflow: { policy: 'dropOldest', maxBuffered: 50 } }),
  length: query({ input: z.object({ index: z.number(), blob: z.string() }), output: z.number() }),
});

function serve() {
  const endlessStopped = createDeferred();
  return {
    endlessStopped: endlessStopped.promise,
    start: () =>
      startTestServer(api, {
        handlers: {
          endless: async function* () {
            try {
              for (let n = 1; ; n += 1) {
                yield n;
                // Let the client's socket be read between events.
                if (n % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
              }
            } finally {
              endlessStopped.resolve();
            }
          },
          latest: async function* () {
            for (let n = 1; n <= COUNT; n += 1) yield n;
          },
          dropOldest: async function* () {
            for (let seq = 1; seq <= COUNT; seq += 1) yield tracked(String(seq), { seq });
          },
          length: ({ input }) => input.index,
        },
      }),
  };
}

/** Reads a subscription to its end; returns its events and the error it ended with, if any. */
async function drain<TEvent>(iterable: AsyncIterable<TEvent>): Promise<{ events: TEvent[]; error: RpcError | undefined }> {
  const events: TEvent[] = [];
  try {
    for await (const event of iterable) events.push(event);
  } catch (error) {
    if (!isRpcError(error)) throw error;
    return { events, error };
  }
  return { events, error: undefined };
}

describe('the for-await buffer of a subscription', () => {
  it('ends a pause subscription with SLOW_CONSUMER past maxBuffered, and unsubscribes on the wire', async () => {
    const fixture = serve();
    const srv = await fixture.start();
    const client = await srv.openClient();
    const sub = client.endless.subscribe(undefined, { maxBuffered: 100 });
    // Nobody iterates: the buffer fills, the subscription ends, and the server's generator is told to stop.
    await withTimeout(fixture.endlessStopped, 5000, 'the server-side generator to stop');
    expect(sub.closed).toBe(true);
    const { events, error } = await drain(sub);
    // The events held before the overflow are delivered, then the error.
    expect(events).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
    expect(error?.code).toBe('SLOW_CONSUMER');
    expect(error?.message).toBe("more than 100 events arrived that the subscription's loop did not read (maxBuffered)");
    // The connection is unaffected.
    await expect(client.length.query({ index: 7, blob: '' })).resolves.toBe(7);
  });

  it("keeps only the newest unread event of an overflow: 'latest' subscription", async () => {
    const srv = await serve().start();
    const client = await srv.openClient();
    const sub = client.latest.subscribe();
    await vi.waitFor(() => {
      expect(sub.closed).toBe(true);
    }, 5000);
    expect(await drain(sub)).toEqual({ events: [COUNT], error: undefined });
  });

  it('drops the oldest unread events of a dropOldest subscription, and reports the gap of a resumable one', async () => {
    const srv = await serve().start();
    const client = await srv.openClient();
    const gaps: SubscriptionGap[] = [];
    const sub = client.dropOldest.subscribe(undefined, { maxBuffered: 10, onGap: (gap) => gaps.push(gap) });
    await vi.waitFor(() => {
      expect(sub.closed).toBe(true);
    }, 5000);
    const { events, error } = await drain(sub);
    // The smaller of the contract's maxBuffered (50) and the subscription's (10).
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 10 }, (_, index) => COUNT - 9 + index));
    expect(error).toBeUndefined();
    expect(gaps).toEqual([{ reason: 'expired' }]);
  });

  it('refuses a maxBuffered that is not a positive integer', async () => {
    const srv = await serve().start();
    const client = srv.client();
    const { error } = await drain(client.latest.subscribe(undefined, { maxBuffered: 0 }));
    expect(error?.code).toBe('BAD_REQUEST');
    expect(error?.message).toBe('maxBuffered must be a positive integer, got 0');
  });
});

/** A proxy to `port` that can stop reading what the client sends, as a server that reads slowly does. */
async function startStallingProxy(port: number) {
  const clients = new Map<Socket, Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    clients.set(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const destroy = (): void => {
      clients.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', destroy).on('error', destroy);
    upstream.on('close', destroy).on('error', destroy);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  onTestFinished(async () => {
    for (const client of clients.keys()) client.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });
  return {
    url: `ws://127.0.0.1:${String((proxy.address() as AddressInfo).port)}/`,
    stall() {
      // Stop reading from the client (unpiped, a drain upstream cannot resume it): its kernel buffers
      // fill, then its WebSocket's buffer grows.
      for (const [client, upstream] of clients) {
        client.unpipe(upstream);
        client.pause();
      }
    },
    resume() {
      for (const [client, upstream] of clients) client.pipe(upstream);
    },
  };
}

describe('outgoing requests while the server reads slowly', () => {
  const HIGH_WATER_MARK_BYTES = 256 * 1024;
  const BLOB = 'y'.repeat(32 * 1024);
  /** ~25 MB of requests: more than loopback's kernel buffers hold. */
  const CALLS = 800;

  it('holds requests in the client while the socket is over sendHighWaterMarkBytes, and sends them once it drains', async () => {
    const srv = await serve().start();
    const proxy = await startStallingProxy(srv.port);
    const sockets: WebSocket[] = [];
    class SpiedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    }
    const client = await srv.openClient({ url: proxy.url, WebSocket: SpiedWebSocket, sendHighWaterMarkBytes: HIGH_WATER_MARK_BYTES });
    const socket = sockets[0] as WebSocket;
    proxy.stall();
    const calls = Array.from({ length: CALLS }, (_, index) => client.length.query({ index, blob: BLOB }));
    const buffered = await withTimeout(plateau(() => socket.bufferedAmount, 20), 10_000, 'the client to stop writing');
    // Without the mark, the ~25 MB the kernel buffers cannot take would wait in the socket.
    expect(buffered).toBeGreaterThan(0);
    expect(buffered).toBeLessThan(HIGH_WATER_MARK_BYTES + 2 * BLOB.length);
    proxy.resume();
    await expect(withTimeout(Promise.all(calls), 20_000, 'every call to be answered')).resolves.toEqual(
      Array.from({ length: CALLS }, (_, index) => index),
    );
  });
});

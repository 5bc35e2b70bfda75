import { createServer as createHttpServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

import { defineContract, mutation, query, subscription } from '@wirecall/schema';
import { PROMETHEUS_CONTENT_TYPE, type LogDetails, type Logger, type ServerMetricsSnapshot } from '@wirecall/server';
import { createDeferred, rawClient, startTestServer, withTimeout, type RawClient } from '@wirecall/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

const api = defineContract({
  add: query({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
  rooms: {
    join: mutation({
      input: z.object({ room: z.string() }),
      output: z.string(),
      errors: { ROOM_FULL: z.object({ capacity: z.number() }) },
    }),
  },
  stream: subscription({ input: z.object({ count: z.number().int(), hold: z.boolean() }), event: z.number() }),
  firehose: subscription({ event: z.string() }),
});

/** A logger that records every entry and lets a test wait for the n-th entry with a given message. */
function capturingLogger(): Logger & {
  readonly entries: { level: string; message: string; details: LogDetails | undefined }[];
  readonly waitFor: (message: string, count: number) => Promise<void>;
} {
  const entries: { level: string; message: string; details: LogDetails | undefined }[] = [];
  const waiters: { message: string; count: number; resolve: () => void }[] = [];
  const record = (level: string) => (message: string, details?: LogDetails) => {
    entries.push({ level, message, details });
    for (const waiter of waiters) {
      if (entries.filter((entry) => entry.message === waiter.message).length >= waiter.count) waiter.resolve();
    }
  };
  return {
    entries,
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    waitFor(message, count) {
      const done = createDeferred();
      waiters.push({ message, count, resolve: done.resolve });
      if (entries.filter((entry) => entry.message === message).length >= count) done.resolve();
      return withTimeout(done.promise, 2000, `${String(count)} "${message}" log entries`);
    },
  };
}

function handlers(onAbort?: () => void) {
  return {
    add: ({ input }: { input: { a: number; b: number } }) => input.a + input.b,
    rooms: {
      join: ({ input, errors }: { input: { room: string }; errors: { ROOM_FULL: (data: { capacity: number }) => Error } }) => {
        if (input.room === 'full') throw errors.ROOM_FULL({ capacity: 2 });
        return input.room;
      },
    },
    stream: async function* ({ input, signal }: { input: { count: number; hold: boolean }; signal: AbortSignal }) {
      for (let value = 1; value <= input.count; value += 1) yield value;
      if (!input.hold) return;
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          resolve();
        });
      });
      onAbort?.();
    },
    firehose: async function* () {
      for (;;) yield 'x'.repeat(1024);
    },
  };
}

/** A raw client that counts the WebSocket messages and bytes it exchanges, from before `hello`. */
async function countingClient(url: string): Promise<
  RawClient & { readonly sendCounted: (frame: unknown) => void; readonly sent: Traffic; readonly received: Traffic }
> {
  const raw = await rawClient(url, { hello: false });
  const sent: Traffic = { messages: 0, bytes: 0 };
  const received: Traffic = { messages: 0, bytes: 0 };
  raw.socket.on('message', (data: Buffer) => {
    received.messages += 1;
    received.bytes += data.length;
  });
  const sendCounted = (frame: unknown): void => {
    const text = JSON.stringify(frame);
    sent.messages += 1;
    sent.bytes += Buffer.byteLength(text);
    raw.send(text);
  };
  sendCounted({ type: 'hello' });
  expect(await raw.nextMessage()).toMatchObject({ type: 'welcome' });
  return Object.assign(raw, { sendCounted, sent, received });
}

interface Traffic {
  messages: number;
  bytes: number;
}

describe('server metrics', () => {
  it('counts a known sequence exactly, in the snapshot and in the Prometheus text', async () => {
    const logger = capturingLogger();
    const held = createDeferred();
    const { url, server } = await startTestServer(api, {
      logger,
      // A bucket that does not refill during the test: the 20th message of a connection is its last.
      rateLimit: { burst: 20, perSecond: 0.001 },
      handlers: handlers(() => {
        held.resolve();
      }),
    });

    // Connection A: 3 ok calls, a declared error, a BAD_REQUEST, two subscriptions, a cancel, a close with 1000.
    const a = await countingClient(url);
    for (const id of ['1', '2', '3']) a.sendCounted({ type: 'call', id, path: 'add', input: { a: 1, b: Number(id) } });
    expect(await a.nextMessages(3)).toEqual([
      { type: 'result', id: '1', output: 2 },
      { type: 'result', id: '2', output: 3 },
      { type: 'result', id: '3', output: 4 },
    ]);
    a.sendCounted({ type: 'call', id: 'full', path: 'rooms.join', input: { room: 'full' } });
    expect(await a.nextMessage()).toMatchObject({ type: 'error', id: 'full', error: { code: 'ROOM_FULL' } });
    a.sendCounted({ type: 'call', id: 'bad', path: 'add', input: { a: 'one' } });
    expect(await a.nextMessage()).toMatchObject({ type: 'error', id: 'bad', error: { code: 'BAD_REQUEST' } });
    a.sendCounted({ type: 'subscribe', id: 's1', path: 'stream', input: { count: 5, hold: false } });
    expect(await a.nextMessages(6)).toEqual([
      ...[1, 2, 3, 4, 5].map((data) => ({ type: 'event', id: 's1', data })),
      { type: 'complete', id: 's1' },
    ]);
    a.sendCounted({ type: 'subscribe', id: 's2', path: 'stream', input: { count: 2, hold: true } });
    expect(await a.nextMessages(2)).toEqual([1, 2].map((data) => ({ type: 'event', id: 's2', data })));
    const during = server.metrics.snapshot();
    expect(during.subscriptions.live).toBe(1);
    expect(during.connections.open).toBe(1);
    expect(server.metrics.prometheus()).toContain('\nwirecall_subscriptions_active 1\n');
    a.sendCounted({ type: 'cancel', id: 's2' });
    await withTimeout(held.promise, 2000, 'the held subscription to abort');

    // Connection B: a burst over the rate limit (hello + 25 calls = 26 messages for 20 tokens), then a binary frame: 1003.
    const b = await countingClient(url);
    for (let index = 0; index < 25; index += 1) b.sendCounted({ type: 'call', id: `b${String(index)}`, path: 'add', input: { a: index, b: 0 } });
    const replies = (await b.nextMessages(25)) as { type: string; error?: { code: string } }[];
    expect(replies.filter((reply) => reply.type === 'result')).toHaveLength(19);
    expect(replies.filter((reply) => reply.error?.code === 'TOO_MANY_REQUESTS')).toHaveLength(6);
    b.socket.send(Buffer.from([1, 2, 3]));
    b.sent.messages += 1;
    b.sent.bytes += 3;
    expect((await b.closed()).code).toBe(1003);
    a.socket.close(1000);
    await a.closed();
    await logger.waitFor('connection closed', 2);

    const expected: ServerMetricsSnapshot = {
      connections: { open: 0, opened: 2, closed: { '1003': 1, '1000': 1 } },
      calls: {
        add: {
          outcomes: { ok: 22, BAD_REQUEST: 1 },
          duration: expect.objectContaining({ count: 23 }) as never,
        },
        'rooms.join': { outcomes: { ok: 0, ROOM_FULL: 1 }, duration: expect.objectContaining({ count: 1 }) as never },
      },
      subscriptions: {
        live: 0,
        byPath: {
          stream: { outcomes: { ok: 1, CANCELLED: 1 }, eventsSent: 7 },
          firehose: { outcomes: { ok: 0 }, eventsSent: 0 },
        },
      },
      messages: { received: a.sent.messages + b.sent.messages, sent: a.received.messages + b.received.messages },
      bytes: { received: a.sent.bytes + b.sent.bytes, sent: a.received.bytes + b.received.bytes },
      backpressurePauses: 0,
      rateLimitRejections: 6,
      refusedRequests: { TOO_MANY_REQUESTS: 6 },
      upgradeRefusals: {},
    };
    const snapshot = server.metrics.snapshot();
    expect(snapshot).toEqual(expected);
    // hello, 3 calls, 2 errors, 2 subscribes and a cancel on A; hello, 25 calls and the binary frame on B.
    expect(snapshot.messages.received).toBe(9 + 27);
    const duration = snapshot.calls.add?.duration;
    expect(duration?.buckets.length).toBe(duration?.counts.length);
    expect(duration?.counts.at(-1)).toBeLessThanOrEqual(23);
    expect(duration?.counts).toEqual([...(duration?.counts ?? [])].sort((x, y) => x - y));

    const text = server.metrics.prometheus();
    for (const line of [
      '# TYPE wirecall_connections_open gauge',
      'wirecall_connections_open 0',
      '# TYPE wirecall_connections_opened_total counter',
      'wirecall_connections_opened_total 2',
      'wirecall_connections_closed_total{code="1000"} 1',
      'wirecall_connections_closed_total{code="1003"} 1',
      '# TYPE wirecall_calls_total counter',
      'wirecall_calls_total{path="add",outcome="ok"} 22',
      'wirecall_calls_total{path="add",outcome="BAD_REQUEST"} 1',
      'wirecall_calls_total{path="rooms.join",outcome="ok"} 0',
      'wirecall_calls_total{path="rooms.join",outcome="ROOM_FULL"} 1',
      '# TYPE wirecall_call_duration_seconds histogram',
      'wirecall_call_duration_seconds_bucket{path="add",le="+Inf"} 23',
      'wirecall_call_duration_seconds_count{path="add"} 23',
      'wirecall_subscriptions_active 0',
      'wirecall_subscriptions_total{path="stream",outcome="ok"} 1',
      'wirecall_subscriptions_total{path="stream",outcome="CANCELLED"} 1',
      'wirecall_subscription_events_total{path="stream"} 7',
      `wirecall_messages_received_total ${String(snapshot.messages.received)}`,
      `wirecall_messages_sent_total ${String(snapshot.messages.sent)}`,
      `wirecall_received_bytes_total ${String(snapshot.bytes.received)}`,
      `wirecall_sent_bytes_total ${String(snapshot.bytes.sent)}`,
      'wirecall_backpressure_pauses_total 0',
      'wirecall_rate_limited_total 6',
      'wirecall_requests_refused_total{code="TOO_MANY_REQUESTS"} 6',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    // Every family has its HELP and TYPE lines, and every other line is a well-formed sample.
    const lines = text.trimEnd().split('\n');
    const types = lines.filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]);
    expect(lines.filter((line) => line.startsWith('# HELP ')).map((line) => line.split(' ')[2])).toEqual(types);
    for (const line of lines.filter((entry) => !entry.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (\d+(\.\d+)?(e-?\d+)?|\+Inf)$/);
    }
  });

  it('counts backpressure pauses while a client reads nothing', async () => {
    const { url, server } = await startTestServer(api, { sendHighWaterMarkBytes: 16 * 1024, handlers: handlers() });
    const raw = await rawClient(url);
    raw.send({ type: 'subscribe', id: 'f', path: 'firehose' });
    await raw.nextMessage();
    raw.socket.pause();
    // The producer pauses (and resumes while the kernel buffers still drain the socket) until they are full.
    await withTimeout(
      (async () => {
        while (server.metrics.snapshot().backpressurePauses === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      5000,
      'a backpressure pause',
    );
    // Read in the same turn: no I/O can change the figures in between.
    const { backpressurePauses, subscriptions } = server.metrics.snapshot();
    const text = server.metrics.prometheus();
    expect(backpressurePauses).toBeGreaterThanOrEqual(1);
    // A producer pauses at most once per event it sent.
    expect(backpressurePauses).toBeLessThanOrEqual(subscriptions.byPath.firehose?.eventsSent ?? 0);
    expect(text.split('\n')).toContain(`wirecall_backpressure_pauses_total ${String(backpressurePauses)}`);
    raw.socket.terminate();
  });

  it('counts refused upgrades by reason', async () => {
    const { url, server } = await startTestServer(api, { maxConnectionsPerAddress: 1, handlers: handlers() });
    const refusal = (target: string, protocols: string[], headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(target, protocols, { headers });
        socket.on('unexpected-response', (_request, response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        socket.on('close', (code) => {
          resolve(code);
        });
        socket.on('error', () => undefined);
        setTimeout(() => {
          reject(new Error('no answer to the upgrade'));
        }, 2000).unref();
      });
    expect(await refusal(url, ['wirecall.v1+json'], { origin: 'https://evil.example' })).toBe(403);
    expect(await refusal(url, ['chat'])).toBe(400);
    expect(await refusal(url.replace(/\/$/, '/elsewhere'), ['wirecall.v1+json'])).toBe(404);
    expect(await refusal(url, ['wirecall.v9+json'])).toBe(4406);
    const holder = await rawClient(url);
    expect(await refusal(url, ['wirecall.v1+json'])).toBe(429);
    holder.close();
    expect(server.metrics.snapshot().upgradeRefusals).toEqual({
      origin: 1,
      subprotocol_missing: 1,
      not_found: 1,
      subprotocol_unsupported: 1,
      max_connections_per_address: 1,
    });
    expect(server.metrics.prometheus().split('\n')).toContain('wirecall_upgrades_refused_total{reason="origin"} 1');
  });

  it('counts close codes outside the protocol under "other"', async () => {
    const logger = capturingLogger();
    const { url, server } = await startTestServer(api, { logger, handlers: handlers() });
    const raw = await rawClient(url);
    raw.socket.close(4321, 'custom');
    await logger.waitFor('connection closed', 1);
    expect(server.metrics.snapshot().connections.closed).toEqual({ other: 1 });
  });

  it('counts nothing with metrics: false', async () => {
    const { url, server } = await startTestServer(api, { metrics: false, handlers: handlers() });
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: '1', path: 'add', input: { a: 1, b: 2 } });
    expect(await raw.nextMessage()).toEqual({ type: 'result', id: '1', output: 3 });
    expect(server.metrics.enabled).toBe(false);
    expect(server.metrics.snapshot()).toMatchObject({ connections: { opened: 0 }, calls: {}, messages: { received: 0 } });
    expect(server.metrics.prometheus()).toBe('');
  });

  it('uses a custom prefix and duration buckets', async () => {
    const { server } = await startTestServer(api, { metrics: { prefix: 'rpc_', durationBucketsSeconds: [0.5, 1] }, handlers: handlers() });
    const text = server.metrics.prometheus();
    expect(text).toContain('\nrpc_calls_total{path="add",outcome="ok"} 0\n');
    expect(text).toContain('\nrpc_call_duration_seconds_bucket{path="add",le="1"} 0\n');
    expect(text).not.toContain('wirecall_');
    await expect(startTestServer(api, { metrics: { prefix: 'bad-' }, handlers: handlers() })).rejects.toThrow(TypeError);
    await expect(startTestServer(api, { metrics: { durationBucketsSeconds: [1, 0.5] }, handlers: handlers() })).rejects.toThrow(RangeError);
  });
});

/** Serves `handler` on 127.0.0.1, port 0, closed when the test finishes. */
async function serve(handler: RequestListener): Promise<string> {
  const http = createHttpServer(handler);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        http.close(() => {
          resolve();
        });
      }),
  );
  return `http://127.0.0.1:${String((http.address() as AddressInfo).port)}/metrics`;
}

describe('metrics handler', () => {
  it('serves the Prometheus text with the 0.0.4 content type on GET, headers only on HEAD, 405 otherwise', async () => {
    const { server, url } = await startTestServer(api, { handlers: handlers() });
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: '1', path: 'add', input: { a: 1, b: 2 } });
    await raw.nextMessage();
    const endpoint = await serve(server.metrics.handler);

    const response = await fetch(endpoint);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    const body = await response.text();
    expect(body).toContain('\nwirecall_calls_total{path="add",outcome="ok"} 1\n');
    expect(body).toContain('\nwirecall_connections_open 1\n');

    const head = await fetch(endpoint, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(endpoint, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 404 when metrics are disabled', async () => {
    const { server } = await startTestServer(api, { metrics: false, handlers: handlers() });
    const response = await fetch(await serve(server.metrics.handler));
    expect(response.status).toBe(404);
  });
});

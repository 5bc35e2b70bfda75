import { defineContract, subscription } from '@wirecall/schema';
import { createDeferred, plateau, rawClient, startTestServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const api = defineContract({ firehose: subscription({ event: z.string() }) });
const EVENT = 'x'.repeat(1024);

describe('slow consumer', () => {
  it('stops pulling a subscription while the client reads nothing, and resumes when it reads again', async () => {
    let produced = 0;
    const { url } = await startTestServer(api, {
      sendHighWaterMarkBytes: 64 * 1024,
      handlers: {
        firehose: async function* () {
          for (;;) {
            produced += 1;
            yield EVENT;
          }
        },
      },
    });
    const raw = await rawClient(url);
    raw.send({ type: 'subscribe', id: 's', path: 'firehose' });
    await raw.nextMessage();
    // Stop reading: the kernel buffers fill, then the server's socket buffer passes the high-water mark.
    raw.socket.pause();
    const stalled = await withTimeout(plateau(() => produced, 20), 5000, 'the producer to stall');
    // Without backpressure a tight generator produces hundreds of MB in that time; with it, the kernel
    // buffers (a few MB on loopback) plus the 64 KiB high-water mark bound what was produced.
    expect(stalled * EVENT.length).toBeLessThan(32 * 1024 * 1024);
    raw.socket.resume();
    await withTimeout(
      (async () => {
        while (produced <= stalled) await raw.nextMessage();
      })(),
      5000,
      'the producer to resume',
    );
    expect(produced).toBeGreaterThan(stalled);
  });

  it('resumes when the client reads again, even when the frame that crossed the high-water mark was written to an idle socket', async () => {
    // Each event alone is over the mark: the one that fills the kernel's buffers goes out while the socket
    // looked idle, so no write of it reports completion, and the server has to find out by other means.
    const big = 'y'.repeat(64 * 1024);
    const total = 200;
    let produced = 0;
    const { url } = await startTestServer(api, {
      sendHighWaterMarkBytes: 16 * 1024,
      handlers: {
        firehose: async function* () {
          while (produced < total) {
            produced += 1;
            yield big;
          }
        },
      },
    });
    const raw = await rawClient(url);
    raw.send({ type: 'subscribe', id: 's', path: 'firehose' });
    await raw.nextMessage();
    raw.socket.pause();
    const stalled = await withTimeout(plateau(() => produced, 20), 5000, 'the producer to stall');
    expect(stalled).toBeLessThan(total);
    raw.socket.resume();
    const rest = await raw.nextMessages(total, 10_000);
    expect(rest.slice(0, total - 1)).toEqual(Array.from({ length: total - 1 }, () => ({ type: 'event', id: 's', data: big })));
    expect(rest[total - 1]).toEqual({ type: 'complete', id: 's' });
  });

  it('disconnects with 4499 a client that stays over the high-water mark too long', async () => {
    const stopped = createDeferred();
    const { url } = await startTestServer(api, {
      sendHighWaterMarkBytes: 64 * 1024,
      slowConsumerTimeoutMs: 100,
      handlers: {
        firehose: async function* () {
          try {
            for (;;) yield EVENT;
          } finally {
            stopped.resolve();
          }
        },
      },
    });
    const raw = await rawClient(url);
    raw.send({ type: 'subscribe', id: 's', path: 'firehose' });
    await raw.nextMessage();
    raw.socket.pause();
    // The server gives up on the client: the subscription ends while the client still reads nothing.
    await withTimeout(stopped.promise, 5000, 'the server to drop the slow consumer');
    raw.socket.resume();
    // Reading again drains what was queued, then the close frame.
    await expect(raw.closed(5000)).resolves.toMatchObject({ code: 4499, reason: 'the client read nothing for 100 ms' });
  });
});

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

import { defineContract, query, subscription } from '@wirecall/schema';
import { eventually, rawClient, startTestServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const api = defineContract({
  // `latest` keeps pulling the generator while the client is behind: nothing here ever waits on I/O.
  flood: subscription({ event: z.number(), overflow: 'latest' }),
  ping: query({ output: z.literal('pong') }),
});

interface WireMessage {
  readonly type: string;
  readonly id?: string;
}

describe('a subscription whose generator never awaits', () => {
  it('does not starve its connection: a call is answered and a cancel ends the generator', async () => {
    // Bounded, so that a regression fails this test instead of hanging the test process for good.
    const limit = 2_000_000;
    let yielded = 0;
    let finished = false;
    const { url } = await startTestServer(api, {
      handlers: {
        flood: async function* () {
          try {
            while (yielded < limit) yield (yielded += 1);
          } finally {
            finished = true;
          }
        },
        ping: () => 'pong' as const,
      },
    });
    const raw = await rawClient(url);
    raw.send({ type: 'subscribe', id: 's', path: 'flood' });
    await raw.nextMessage();
    raw.send({ type: 'call', id: 'p', path: 'ping' });

    const answered = (async () => {
      for (;;) {
        const frame = await raw.nextMessage();
        const messages = (Array.isArray(frame) ? frame : [frame]) as WireMessage[];
        const result = messages.find((message) => message.id === 'p');
        if (result !== undefined) return result;
      }
    })();
    await expect(withTimeout(answered, 10_000, 'the answer to a call made during the flood')).resolves.toEqual({
      type: 'result',
      id: 'p',
      output: 'pong',
    });
    // Answered while the generator was still yielding, not after it ran out.
    expect(yielded).toBeLessThan(limit);

    raw.send({ type: 'cancel', id: 's' });
    await eventually(() => finished, 'the generator to finish after cancel');
    expect(finished).toBe(true);
    raw.close();
  });
});

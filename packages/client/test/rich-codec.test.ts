import { isRpcError } from '@wirecall/client';
import { defineContract, query, subscription } from '@wirecall/schema';
import { rawClient, startTestServer, withTimeout } from '@wirecall/testing';
import type { ConnectionInfo } from '@wirecall/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const Rich = z.object({
  at: z.date(),
  tags: z.set(z.string()),
  counts: z.map(z.string(), z.bigint()),
  big: z.bigint(),
  home: z.instanceof(URL),
  list: z.array(z.union([z.date(), z.undefined(), z.number(), z.nan()])),
  $dollar: z.object({ $d: z.string() }),
});

const api = defineContract({
  echo: query({ input: Rich, output: Rich }),
  offered: query({ output: z.string() }),
  late: query({ output: z.string(), errors: { LATE: z.object({ until: z.date(), by: z.bigint() }) } }),
  clock: subscription({ input: z.object({ from: z.date() }), event: z.object({ at: z.date(), seq: z.bigint() }) }),
});

const sample: z.infer<typeof Rich> = {
  at: new Date('2026-11-23T10:00:00.000Z'),
  tags: new Set(['a', 'b']),
  counts: new Map([['k', 2n ** 70n]]),
  big: -(2n ** 64n),
  home: new URL('https://example.com/docs?x=1'),
  list: [new Date(0), undefined, Number.NaN, -0],
  $dollar: { $d: 'not a date' },
};

async function startRichServer() {
  return startTestServer(api, {
    context: ({ headers }: ConnectionInfo) => ({ offered: String(headers['sec-websocket-protocol']) }),
    handlers: {
      echo: ({ input }) => input,
      offered: ({ ctx }) => ctx.offered,
      late: ({ errors }) => {
        throw errors.LATE({ until: new Date(5), by: 7n }, 'too late');
      },
      clock: async function* ({ input }) {
        for (let seq = 1n; seq <= 3n; seq += 1n) {
          await Promise.resolve();
          yield { at: new Date(input.from.getTime() + Number(seq)), seq };
        }
      },
    },
  });
}

describe('the default codec (rich) over a real socket', () => {
  it('is what the client offers and what the server prefers', async () => {
    const { openClient, url } = await startRichServer();
    const client = await openClient();
    await expect(client.offered.query()).resolves.toBe('wirecall.v1+rich');
    const raw = await rawClient(url, { protocols: ['wirecall.v1+json', 'wirecall.v1+superjson', 'wirecall.v1+rich'] });
    expect(raw.socket.protocol).toBe('wirecall.v1+rich');
    raw.close();
  });

  it('round-trips Date, Map, Set, BigInt, URL, undefined, NaN, -0 and $-keys in inputs and outputs', async () => {
    const { openClient } = await startRichServer();
    const client = await openClient();
    const echoed = await client.echo.query(sample);
    expect(echoed).toStrictEqual(sample);
    expect(echoed.at).toBeInstanceOf(Date);
    expect(Object.is(echoed.list[3], -0)).toBe(true);
  });

  it('carries rich values in subscription events and in error data', async () => {
    const { openClient } = await startRichServer();
    const client = await openClient();
    const events: unknown[] = [];
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        client.clock.subscribe(
          { from: new Date(1000) },
          { onData: (event) => events.push(event), onComplete: resolve, onError: reject },
        );
      }),
      2000,
      'the clock subscription to complete',
    );
    expect(events).toStrictEqual([
      { at: new Date(1001), seq: 1n },
      { at: new Date(1002), seq: 2n },
      { at: new Date(1003), seq: 3n },
    ]);
    const caught: unknown = await client.late.query().catch((error: unknown) => error);
    expect(isRpcError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'LATE', message: 'too late' });
    expect((caught as { data: unknown }).data).toStrictEqual({ until: new Date(5), by: 7n });
  });
});

/**
 * Wirecall with its default codec (rich): zod validates every input,
 * output and event, `Date` fields arrive as `Date`s.
 * @module
 */
import { createClient, richCodec, type Codec } from '@wirecall/client';
import { defineContract, query, subscription } from '@wirecall/schema';
import { createServer } from '@wirecall/server';
import { WebSocket } from 'ws';
import { z } from 'zod';

import { nowUs, takeRecords, type BenchEvent, type Peer } from '../peer.js';
import { createHub, EVENTS_PER_TURN, nextTurn } from '../peer-kit.js';

const event = z.object({ seq: z.number(), sentAt: z.number() });

/** The benchmark's contract. */
export const benchContract = defineContract({
  add: query({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
  records: query({
    input: z.object({ count: z.number().int().min(0).max(1000) }),
    output: z.array(
      z.object({ id: z.number(), name: z.string(), active: z.boolean(), createdAt: z.date(), updatedAt: z.date() }),
    ),
  }),
  stream: subscription({ input: z.object({}), event }),
  ticker: subscription({ input: z.object({}), event }),
});

/** Builds the Wirecall peer whose clients speak `codec` (the server accepts every codec, as by default). */
export function createWirecallPeer(label: string, codec: Codec): Peer {
  return {
    label,
    serve(http, { highWaterMarkBytes }) {
      const hub = createHub<BenchEvent>();
      const server = createServer(benchContract, {
        sendHighWaterMarkBytes: highWaterMarkBytes,
        // Protections against abusive clients, sized for one benchmark client: every
        // connection comes from 127.0.0.1, and the load is the point of the exercise.
        rateLimit: false,
        maxConnectionsPerAddress: 100_000,
        handlers: {
          add: ({ input }) => input.a + input.b,
          records: ({ input }) => takeRecords(input.count),
          // The server pauses this generator while the socket holds `sendHighWaterMarkBytes`.
          // Like every peer's push loop, it gives the event loop a turn every EVENTS_PER_TURN
          // events: the server does not, and on loopback it would never read the unsubscribe.
          stream: async function* ({ signal }) {
            let seq = 0;
            while (!signal.aborted) {
              yield { seq: seq++, sentAt: nowUs() };
              if (seq % EVENTS_PER_TURN === 0) await nextTurn();
            }
          },
          ticker: ({ signal }) => hub.subscribe(signal),
        },
      });
      server.attach(http);
      return { broadcast: hub.publish, subscribers: hub.size, backlog: hub.backlog };
    },
    async connect(url) {
      const client = createClient(benchContract, { url, WebSocket, codec });
      await client.add.query({ a: 0, b: 0 });
      return {
        add: (input) => client.add.query(input),
        records: (count) => client.records.query({ count }),
        stream: (onEvent) => client.stream.subscribe({}, { onData: onEvent }).unsubscribe,
        ticker: (onEvent) => client.ticker.subscribe({}, { onData: onEvent }).unsubscribe,
        close: () => {
          void client.$close();
        },
      };
    },
  };
}

export const peer = createWirecallPeer('wirecall (rich codec, default)', richCodec);

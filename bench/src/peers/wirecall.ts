/**
 * Wirecall with its default codec (rich): zod validates every input,
 * output and event, `Date` fields arrive as `Date`s.
 * @module
 */
import { createClient, richCodec, type Codec } from '@wirecall/client';
import { defineContract, query, subscription } from '@wirecall/schema';
import { createEventLog, createServer } from '@wirecall/server';
import { WebSocket } from 'ws';
import { z } from 'zod';

import { nowUs, takeRecords, type BenchEvent, type Peer } from '../peer.js';
import { EVENTS_PER_TURN, nextTurn } from '../peer-kit.js';

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
  ticker: subscription({ input: z.object({}), event, resumable: true }),
});

/** Builds the Wirecall peer whose clients speak `codec` (the server accepts every codec, as by default). */
export function createWirecallPeer(label: string, codec: Codec): Peer {
  return {
    label,
    serve(http, { highWaterMarkBytes }) {
      // Wirecall's broadcast primitive: every subscriber reads the same log (the saturating
      // broadcaster is held back by the sockets' buffers; a subscriber that fell behind the
      // log would get a gap and miss events, which would show as fewer deliveries).
      const log = createEventLog<BenchEvent>({ maxEvents: 1024 });
      let subscribers = 0;
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
          ticker: ({ lastEventId, signal }) => {
            subscribers += 1;
            signal.addEventListener('abort', () => (subscribers -= 1), { once: true });
            return log.subscribe({ lastEventId, signal });
          },
        },
      });
      server.attach(http);
      return {
        broadcast: (value) => {
          log.publish(value);
        },
        subscribers: () => subscribers,
      };
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

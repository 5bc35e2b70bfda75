/**
 * tRPC 11 over `wsLink`, inputs validated by zod, no transformer: `Date`
 * fields arrive as ISO strings. tRPC writes subscription events without
 * looking at the socket, so the generator waits for the TCP socket to drain itself.
 * `createTrpcPeer` also builds the variant with a transformer (trpc-superjson.ts).
 * @module
 */
import type { IncomingMessage } from 'node:http';

import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { initTRPC, type TRPCCombinedDataTransformer, type TRPCDataTransformer } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';

import { nowUs, takeRecords, type BenchEvent, type Peer } from '../peer.js';
import { createHub, EVENTS_PER_TURN, nextTurn, waitWritable, type Hub } from '../peer-kit.js';

function createRouter(hub: Hub<BenchEvent>, highWaterMarkBytes: number, transformer: TRPCDataTransformer | undefined) {
  // The router's types do not depend on the transformer: typed as tRPC's default (none).
  const t = initTRPC.context<{ request: IncomingMessage }>().create(
    (transformer === undefined ? {} : { transformer }) as { transformer?: TRPCCombinedDataTransformer },
  );
  return t.router({
    add: t.procedure.input(z.object({ a: z.number(), b: z.number() })).query(({ input }) => input.a + input.b),
    records: t.procedure.input(z.object({ count: z.number().int().min(0).max(1000) })).query(({ input }) => takeRecords(input.count)),
    stream: t.procedure.subscription(async function* ({ ctx, signal }) {
      const { socket } = ctx.request;
      let seq = 0;
      while (signal?.aborted !== true) {
        if (socket.writableLength >= highWaterMarkBytes) await waitWritable(socket, highWaterMarkBytes);
        yield { seq: seq++, sentAt: nowUs() };
        if (seq % EVENTS_PER_TURN === 0) await nextTurn();
      }
    }),
    ticker: t.procedure.subscription(({ signal }) => hub.subscribe(signal ?? new AbortController().signal)),
  });
}

type BenchRouter = ReturnType<typeof createRouter>;

/** Builds the tRPC peer, with `transformer` on both sides when given. */
export function createTrpcPeer(label: string, transformer?: TRPCDataTransformer): Peer {
  return {
    label,
    serve(http, { highWaterMarkBytes }) {
      const hub = createHub<BenchEvent>();
      const wss = new WebSocketServer({ server: http });
      applyWSSHandler({ wss, router: createRouter(hub, highWaterMarkBytes, transformer), createContext: ({ req }) => ({ request: req }) });
      return { broadcast: hub.publish, subscribers: hub.size, backlog: hub.backlog };
    },
    async connect(url) {
      const wsClient = createWSClient({ url, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
      // The router is typed without a transformer (see createRouter), so the link's options are too.
      const link = wsLink<BenchRouter>({ client: wsClient, ...(transformer === undefined ? {} : { transformer }) } as never);
      const client = createTRPCClient<BenchRouter>({ links: [link] });
      await client.add.query({ a: 0, b: 0 });
      return {
        add: (input) => client.add.query(input),
        records: (count) => client.records.query({ count }),
        stream(onEvent) {
          const subscription = client.stream.subscribe(undefined, { onData: onEvent });
          return () => {
            subscription.unsubscribe();
          };
        },
        ticker(onEvent) {
          const subscription = client.ticker.subscribe(undefined, { onData: onEvent });
          return () => {
            subscription.unsubscribe();
          };
        },
        close: () => {
          void wsClient.close();
        },
      };
    },
  };
}

export const peer = createTrpcPeer('tRPC 11 (wsLink + zod)');

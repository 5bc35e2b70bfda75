import { createClient, type Client, type ClientOptions } from '@wirecall/client';
import { defineContract, mutation, query, subscription } from '@wirecall/schema';
import {
  createEventLog,
  createServer,
  gap,
  tracked,
  type EventLog,
  type EventLogOptions,
  type LogDetails,
  type RpcServer,
  type SessionOptions,
} from '@wirecall/server';
import { EventEmitter, on } from 'node:events';
import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import * as z from 'zod';

import { withTimeout } from './deferred.js';

const Numbered = z.object({ n: z.number().int() });
const Token = z.object({ token: z.string() });

/** A contract for delivery guarantees: counted mutations, and resumable streams of numbered events. */
export const deliveryContract = defineContract({
  counter: {
    /** Applies `token` once more; returns how often it is applied. Retried through the session. */
    increment: mutation({ input: Token, output: z.number().int() }),
    /** The same, but declared to fail with CONNECTION_LOST when the connection drops. */
    incrementOrFail: mutation({ input: Token, output: z.number().int(), onConnectionLost: 'fail' }),
    /** How often `token` was applied. */
    applied: query({ input: Token, output: z.number().int() }),
  },
  /** Events of the server's event log `feed`. */
  feed: subscription({ event: Numbered, resumable: true }),
  /** Events of the server's event log `shortFeed` (made short by the test). */
  shortFeed: subscription({ event: Numbered, resumable: true }),
  /** Rows of a table that outlives restarts, with the rows' own ids (`row-<n>`). */
  rows: subscription({ event: Numbered, resumable: true }),
  /** A resumable subscription whose handler (wrongly) yields events without ids. */
  untracked: subscription({ event: z.number(), resumable: true }),
});

/** Options of {@link startDeliveryServer}. */
export interface DeliveryServerOptions {
  readonly feed?: EventLogOptions;
  readonly shortFeed?: EventLogOptions;
  readonly sessions?: SessionOptions | false;
  /** Delay of each mutation before it applies; default none. */
  readonly mutationDelayMs?: () => number;
}

/** A delivery server a test controls, with state that outlives restarts. */
export interface DeliveryServer {
  readonly url: string;
  readonly port: number;
  /** A client of this server (or of `url`), closed when the test finishes. */
  readonly client: (options?: Partial<ClientOptions>) => Client<typeof deliveryContract>;
  /** The event logs of the running server (new ones after each restart). */
  readonly feed: () => EventLog<{ n: number }>;
  readonly shortFeed: () => EventLog<{ n: number }>;
  /** Appends a row to the table behind `rows`. */
  readonly addRow: () => number;
  /** How often each token was applied, across restarts. */
  readonly applied: ReadonlyMap<string, number>;
  /** Mutations wait for `release()` before they apply, until the hold ends. */
  readonly hold: () => { readonly release: () => void };
  /** Mutations currently running (started, not applied). */
  readonly running: () => number;
  /** Every entry the server logged. */
  readonly logs: readonly { readonly message: string; readonly details: LogDetails | undefined }[];
  /** Closes the server (no drain time) and starts a fresh one on the same port: sessions and event logs are lost. */
  readonly restart: () => Promise<void>;
}

/** Starts the delivery fixture server on 127.0.0.1; everything is closed when the test finishes. */
export async function startDeliveryServer(options: DeliveryServerOptions = {}): Promise<DeliveryServer> {
  const applied = new Map<string, number>();
  const table: { n: number }[] = [];
  const tableEvents = new EventEmitter();
  const clients: Client<typeof deliveryContract>[] = [];
  let gate: Promise<void> | undefined;
  let running = 0;
  const logs: { message: string; details: LogDetails | undefined }[] = [];
  const record = (message: string, details?: LogDetails): void => {
    logs.push({ message, details });
  };
  let feed = createEventLog<{ n: number }>(options.feed);
  let shortFeed = createEventLog<{ n: number }>(options.shortFeed);

  async function apply(token: string): Promise<number> {
    running += 1;
    try {
      const delayMs = options.mutationDelayMs?.() ?? 0;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await gate;
    } finally {
      running -= 1;
    }
    const count = (applied.get(token) ?? 0) + 1;
    applied.set(token, count);
    return count;
  }

  function build(): RpcServer<typeof deliveryContract, undefined> {
    return createServer(deliveryContract, {
      rateLimit: false,
      logger: { error: record, warn: record },
      ...(options.sessions === undefined ? {} : { sessions: options.sessions }),
      handlers: {
        counter: {
          increment: ({ input }) => apply(input.token),
          incrementOrFail: ({ input }) => apply(input.token),
          applied: ({ input }) => applied.get(input.token) ?? 0,
        },
        feed: ({ lastEventId, signal }) => feed.subscribe({ lastEventId, signal }),
        shortFeed: ({ lastEventId, signal }) => shortFeed.subscribe({ lastEventId, signal }),
        rows: async function* ({ lastEventId, signal }) {
          // Subscribe to new rows first, so none is missed between the replay and the live part.
          const live = on(tableEvents, 'row', { signal }) as AsyncIterable<[{ n: number }]>;
          let next = 0;
          if (lastEventId !== undefined) {
            const match = /^row-(\d+)$/.exec(lastEventId);
            if (match === null || Number(match[1]) >= table.length) yield gap('unknown');
            else next = Number(match[1]) + 1;
          } else {
            next = table.length;
          }
          for (; next < table.length; next += 1) yield tracked(`row-${String(next)}`, table[next] as { n: number });
          for await (const [row] of live) {
            if (row.n < next) continue;
            next = row.n + 1;
            yield tracked(`row-${String(row.n)}`, row);
          }
        },
        untracked: async function* () {
          await Promise.resolve();
          yield 1;
        },
      },
    });
  }

  let server = build();
  const { port, url } = await server.listen({ host: '127.0.0.1', port: 0 });
  onTestFinished(async () => {
    await withTimeout(Promise.all(clients.map((client) => client.$close())), 5000, 'the delivery clients to close');
    await withTimeout(server.close({ drainTimeoutMs: 0 }), 5000, 'the delivery server to close');
  });

  return {
    url,
    port,
    client(clientOptions = {}) {
      const created = createClient(deliveryContract, { url, WebSocket, ...clientOptions });
      clients.push(created);
      return created;
    },
    feed: () => feed,
    shortFeed: () => shortFeed,
    addRow() {
      const row = { n: table.length };
      table.push(row);
      tableEvents.emit('row', row);
      return row.n;
    },
    applied,
    hold() {
      let release!: () => void;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return {
        release() {
          release();
          gate = undefined;
        },
      };
    },
    running: () => running,
    logs,
    async restart() {
      await withTimeout(server.close({ drainTimeoutMs: 0, reconnectWithinMs: 0 }), 5000, 'the delivery server to close for a restart');
      feed = createEventLog(options.feed);
      shortFeed = createEventLog(options.shortFeed);
      server = build();
      await server.listen({ host: '127.0.0.1', port });
    },
  };
}

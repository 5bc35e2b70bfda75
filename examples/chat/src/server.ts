/**
 * The chat server: one HTTP server that serves the built page (`dist/`) and the
 * WebSocket endpoint at `/rpc`. `pnpm chat` builds the page and runs it on
 * 127.0.0.1:3000 (override with an argument or PORT, and HOST).
 * @module
 */
import { on } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { createServer, gap, tracked, type ConnectionInfo, type RpcServer } from '@wirecall/server';

import { createChatRooms, type ChatRooms } from './chat-rooms.js';
import { api, type Member, type Message } from './contract.js';
import { isMain } from './is-main.js';
import { DEFAULT_PAGE_DIR } from './paths.js';

/** Path of the WebSocket endpoint. */
export const RPC_PATH = '/rpc';

/** The connection context: which connection is calling, so presence and typing know who it is. */
export interface ChatContext {
  readonly connectionId: string;
}

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** TCP port; `0` picks a free one. Default `0`. */
  port?: number;
  /** Directory holding `index.html` and `app.js`. Default `examples/chat/dist`. */
  pageDir?: string;
  /** The rooms to serve; pass the same rooms again to restart a server without losing messages. Default: new, empty rooms. */
  rooms?: ChatRooms;
}

/** A running chat server. */
export interface ChatServer {
  /** The page's URL, e.g. `http://127.0.0.1:3000/`. */
  readonly url: string;
  /** The WebSocket endpoint's URL, e.g. `ws://127.0.0.1:3000/rpc`. */
  readonly rpcUrl: string;
  /** The port it listens on (the one picked when started with port 0). */
  readonly port: number;
  /** The rooms it serves; pass them to the next server to restart without losing messages. */
  readonly rooms: ChatRooms;
  /** The RPC server behind `/rpc`. */
  readonly rpc: RpcServer<typeof api, ChatContext>;
  /** Drains the WebSocket clients (they start reconnecting), then closes the HTTP server. Idempotent. */
  readonly close: () => Promise<void>;
}

/** Creates the RPC half of the chat on `rooms`, not yet attached to any HTTP server. */
export function createChatRpcServer(rooms: ChatRooms): RpcServer<typeof api, ChatContext> {
  return createServer(api, {
    context: (info: ConnectionInfo): ChatContext => ({ connectionId: info.connectionId }),
    handlers: {
      chat: {
        rooms: () => rooms.list(),
        history: ({ input }) => ({
          messages: rooms.history(input.room, { afterId: input.afterId, limit: input.limit }),
          // Read in the same synchronous step as the messages: nothing can be posted in between.
          lastEventId: rooms.lastEventId(input.room),
        }),
        send: ({ input, ctx }) => rooms.post(input.room, input.author, input.text, ctx.connectionId),
        messages: async function* ({ input, lastEventId, signal }) {
          // `signal` aborts when the client unsubscribes or disconnects, which removes the listener. Listening and
          // reading the room happen in one synchronous step, so a message is either replayed or live: never both, never neither.
          const live = on(rooms.events(input.room), 'message', { signal }) as AsyncIterableIterator<[Message]>;
          if (lastEventId !== undefined) {
            // The rooms keep their event ids across server restarts: a page resumes without a refetch.
            const missed = rooms.messagesAfter(input.room, lastEventId);
            if (missed.found) {
              for (const message of missed.messages) yield tracked(rooms.eventId(message.id), message);
            } else {
              yield gap(missed.reason);
            }
          }
          for await (const [message] of live) yield tracked(rooms.eventId(message.id), message);
        },
        presence: async function* ({ input, ctx, signal }) {
          // Listen before joining, so the first event is the member list that includes us.
          const changes = on(rooms.events(input.room), 'presence', { signal }) as AsyncIterableIterator<[Member[]]>;
          const leave = rooms.join(input.room, ctx.connectionId, input.name);
          try {
            for await (const [members] of changes) yield members;
          } finally {
            leave();
          }
        },
        typing: ({ input, ctx }) => {
          rooms.setTyping(input.room, ctx.connectionId, input.typing);
        },
      },
    },
  });
}

const PAGE_FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.js.map': { file: 'app.js.map', type: 'application/json; charset=utf-8' },
};

/** Answers a plain HTTP request with one of the page's files: a fixed list, so no path ever reaches the file system. */
async function servePage(pageDir: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  if (pathname === RPC_PATH) {
    response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
    response.end('this endpoint only accepts WebSocket upgrades\n');
    return;
  }
  const entry = Object.hasOwn(PAGE_FILES, pathname) ? PAGE_FILES[pathname] : undefined;
  if (entry === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(join(pageDir, entry.file));
  } catch {
    response
      .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(`${entry.file} is not built yet: run \`pnpm --filter @wirecall/example-chat build\`\n`);
    return;
  }
  response.writeHead(200, { 'Content-Type': entry.type, 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the chat: the page and the WebSocket endpoint on one HTTP server. */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const rooms = options.rooms ?? createChatRooms();
  const pageDir = options.pageDir ?? DEFAULT_PAGE_DIR;
  const rpc = createChatRpcServer(rooms);
  const http = createHttpServer((request, response) => {
    servePage(pageDir, request, response).catch((error: unknown) => {
      console.error('could not serve', request.url, error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  rpc.attach(http, { path: RPC_PATH });
  const { port, address, family } = await listen(http, options.port ?? 0, options.host ?? '127.0.0.1');
  http.on('error', (error) => {
    console.error('HTTP server error', error);
  });
  const host = family === 'IPv6' ? `[${address}]` : address;
  let closed: Promise<void> | undefined;

  async function shutdown(): Promise<void> {
    // Short windows: the clients are told to reconnect soon, and a chat call never runs long.
    await rpc.close({ drainTimeoutMs: 1000, reconnectWithinMs: 500 });
    await new Promise<void>((resolve) => {
      http.close(() => {
        resolve();
      });
      http.closeAllConnections();
    });
  }

  return {
    url: `http://${host}:${String(port)}/`,
    rpcUrl: `ws://${host}:${String(port)}${RPC_PATH}`,
    port,
    rooms,
    rpc,
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}

/** Reads the port from the first argument, else PORT, else 3000. */
function readPort(): number {
  const raw = process.argv[2] ?? process.env.PORT ?? '3000';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be an integer from 0 to 65535, got "${raw}"`);
  return port;
}

if (isMain(import.meta.url)) {
  const server = await startChatServer({ host: process.env.HOST ?? '127.0.0.1', port: readPort() });
  console.log(`chat running at ${server.url} (WebSocket endpoint ${server.rpcUrl}; Ctrl+C stops it)`);
  const stop = (): void => {
    void server.close().then(() => {
      console.log('chat server closed');
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

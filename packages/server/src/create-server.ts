import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import type { Contract } from '@wirecall/schema';

import { attachWebSocketServer, type WebSocketAttachment } from './adapters/ws.js';
import type { Caller } from './caller.js';
import { createRpcServer, type ServerOptions } from './rpc-server.js';

/** How long `close()` waits for clients to answer the close handshake before dropping them. */
export const DEFAULT_CLOSE_GRACE_MS = 3000;

/** Options of `server.listen`. */
export interface ListenOptions {
  /** TCP port; `0` (the default) picks a free one. */
  port?: number;
  /** Interface to bind; defaults to Node's default (all interfaces). */
  host?: string;
  /** URL path of the WebSocket endpoint. Default `/`. */
  path?: string;
}

/** Where a listening server can be reached. */
export interface ListenInfo {
  readonly port: number;
  /** `ws://host:port/path`, ready for `createClient`. */
  readonly url: string;
}

/** Options of `server.attach`. */
export interface AttachToServerOptions {
  /** URL path of the WebSocket endpoint. Default `/`. */
  path?: string;
}

/** A Wirecall server: implements a contract and serves it over WebSockets. */
export interface RpcServer<TContract extends Contract, TContext> {
  /** Starts an HTTP server of its own and serves WebSockets on it. Non-upgrade requests get 426. */
  readonly listen: (options?: ListenOptions) => Promise<ListenInfo>;
  /** Serves WebSockets on `path` of an existing HTTP(S) server, which keeps serving its other routes. */
  readonly attach: (server: HttpServer | HttpsServer, options?: AttachToServerOptions) => void;
  /** Invokes procedures in-process with `ctx`: same validation, same error masking, no socket. */
  readonly createCaller: (ctx: TContext) => Caller<TContract>;
  /** Number of open connections. */
  readonly connectionCount: number;
  /**
   * Sends `goaway` to every client, closes every connection with 1001, aborts
   * every handler and resolves once all are released (and the HTTP server of
   * `listen`, if any, is closed). Idempotent.
   */
  readonly close: () => Promise<void>;
}

/** Extra options of `createServer`. */
export interface CreateServerOptions<TContract extends Contract, TContext> extends ServerOptions<TContract, TContext> {
  /** How long `close()` waits for clients to answer the close handshake. Default 3000 ms. */
  closeGraceMs?: number;
}

/**
 * Implements `contract` with `handlers`. Throws at once when a handler is
 * missing or extra (also a compile error).
 *
 * @example
 * const server = createServer(api, {
 *   context: ({ headers }) => ({ user: verify(headers.authorization) }),
 *   handlers: { greet: ({ input }) => `Hello ${input.name}` },
 * });
 * const { url } = await server.listen({ port: 8080 });
 */
export function createServer<TContract extends Contract, TContext = undefined>(
  contract: TContract,
  options: CreateServerOptions<TContract, TContext>,
): RpcServer<TContract, TContext> {
  const core = createRpcServer(contract, options);
  const attachments: WebSocketAttachment[] = [];
  const owned: HttpServer[] = [];
  let closed: Promise<void> | undefined;

  function attach(server: HttpServer | HttpsServer, attachOptions: AttachToServerOptions = {}): void {
    if (core.closing) throw new Error('the server is closed');
    attachments.push(attachWebSocketServer(core, server, { path: attachOptions.path ?? '/' }));
  }

  async function shutdown(): Promise<void> {
    const stopped = core.shutdown();
    await Promise.all(attachments.map((attachment) => attachment.close(options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS)));
    await stopped;
    await Promise.all(
      owned.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => {
              resolve();
            });
            server.closeAllConnections();
          }),
      ),
    );
  }

  return {
    async listen(listenOptions = {}) {
      const server = createHttpServer((_request, response) => {
        response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
        response.end('this endpoint only accepts WebSocket upgrades\n');
      });
      owned.push(server);
      attach(server, { path: listenOptions.path ?? '/' });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listenOptions.port ?? 0, listenOptions.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (error) => {
        core.logger.error('HTTP server error', { error });
      });
      const { port, address, family } = server.address() as AddressInfo;
      // Bound to every interface: `localhost` is an address a client can use; `::` is not.
      const host = address === '::' || address === '0.0.0.0' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address;
      return { port, url: `ws://${host}:${String(port)}${listenOptions.path ?? '/'}` };
    },
    attach,
    createCaller: (ctx) => core.createCaller(ctx),
    get connectionCount() {
      return core.connectionCount;
    },
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}

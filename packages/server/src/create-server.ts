import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import type { Contract } from '@wirecall/schema';

import { attachWebSocketServer, type WebSocketAttachment } from './adapters/ws.js';
import type { Caller } from './caller.js';
import type { ServerMetrics } from './metrics/server-metrics.js';
import type { MiddlewareMap, NoMiddleware } from './middleware-map.js';
import { createRpcServer, type ServerOptions } from './rpc-server.js';

/** How long `close()` waits for clients to answer the close handshake before dropping them. */
export const DEFAULT_CLOSE_GRACE_MS = 3000;
/** How long `close()` lets in-flight calls finish. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** The window in which `close()` asks clients to reconnect, each at a random moment. */
export const DEFAULT_RECONNECT_WINDOW_MS = 2000;

/** Options of `server.close`. */
export interface CloseOptions {
  /** How long in-flight calls may run before they are answered with UNAVAILABLE. Default 10 s. */
  drainTimeoutMs?: number;
  /** Clients reconnect at a random moment within this window (sent in `goaway`). Default 2 s. */
  reconnectWithinMs?: number;
}

/** Options of `server.listen`. */
export interface ListenOptions {
  /** TCP port; `0` (the default) picks a free one. */
  port?: number;
  /** Interface to bind; defaults to Node's default (all interfaces). */
  host?: string;
  /** URL path of the WebSocket endpoint. Default `/`. */
  path?: string;
  /** Serve `wss://`: the PEM certificate (chain) and private key of an HTTPS server. */
  tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
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
   * The server's metrics: `snapshot()` for a typed view, `prometheus()` for the
   * text format, and `handler` to serve that text on a path of your HTTP server.
   * @see docs/observability.md
   */
  readonly metrics: ServerMetrics;
  /**
   * Graceful drain: refuses new connections, sends `goaway` to every client
   * (which reconnects elsewhere at a random moment within `reconnectWithinMs`),
   * ends subscriptions (clients resubscribe on their next connection), answers
   * new requests with UNAVAILABLE, lets in-flight calls finish for up to
   * `drainTimeoutMs`, then closes every connection with 1001. Resolves once every
   * handler has finished (and the HTTP server of `listen`, if any, is closed). Idempotent.
   */
  readonly close: (options?: CloseOptions) => Promise<void>;
}

/** Extra options of `createServer`. */
export interface CreateServerOptions<TContract extends Contract, TContext, TMiddleware extends MiddlewareMap = NoMiddleware>
  extends ServerOptions<TContract, TContext, TMiddleware> {
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
export function createServer<
  TContract extends Contract,
  TContext = undefined,
  const TMiddleware extends MiddlewareMap = NoMiddleware,
>(contract: TContract, options: CreateServerOptions<TContract, TContext, TMiddleware>): RpcServer<TContract, TContext> {
  const core = createRpcServer<TContract, TContext, TMiddleware>(contract, options);
  const attachments: WebSocketAttachment[] = [];
  const owned: HttpServer[] = [];
  let closed: Promise<void> | undefined;

  function attach(server: HttpServer | HttpsServer, attachOptions: AttachToServerOptions = {}): void {
    if (core.closing) throw new Error('the server is closed');
    attachments.push(attachWebSocketServer(core, server, { path: attachOptions.path ?? '/' }));
  }

  async function shutdown(closeOptions: CloseOptions): Promise<void> {
    await core.shutdown({
      reason: 'server shutting down',
      drainTimeoutMs: closeOptions.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
      reconnectWithinMs: closeOptions.reconnectWithinMs ?? DEFAULT_RECONNECT_WINDOW_MS,
    });
    await Promise.all(attachments.map((attachment) => attachment.close(options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS)));
    await core.released();
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
      const answerPlainRequest = (_request: IncomingMessage, response: ServerResponse): void => {
        response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
        response.end('this endpoint only accepts WebSocket upgrades\n');
      };
      const { tls } = listenOptions;
      const server =
        tls === undefined
          ? createHttpServer(answerPlainRequest)
          : createHttpsServer({ cert: tls.cert, key: tls.key }, answerPlainRequest);
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
      const scheme = tls === undefined ? 'ws' : 'wss';
      return { port, url: `${scheme}://${host}:${String(port)}${listenOptions.path ?? '/'}` };
    },
    attach,
    createCaller: (ctx) => core.createCaller(ctx),
    get connectionCount() {
      return core.connectionCount;
    },
    metrics: core.metrics,
    close(closeOptions = {}) {
      closed ??= shutdown(closeOptions);
      return closed;
    },
  };
}

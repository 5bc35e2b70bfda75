import type { IncomingMessage } from 'node:http';

import { isRpcError, type Contract } from '@wirecall/schema';
import {
  CloseCode,
  formatSubprotocol,
  isWirecallSubprotocol,
  jsonCodec,
  RpcErrorCode,
  superjsonCodec,
  type Codec,
} from '@wirecall/schema/protocol';
import { nanoid } from 'nanoid';

import { createCaller, type Caller } from './caller.js';
import { readConnectionInfo, type ConnectionInfo } from './connection-info.js';
import { createConnection, type Connection } from './connection.js';
import type { Handlers } from './handlers.js';
import { stderrLogger, type Logger } from './logger.js';
import { createProcedureTable } from './procedure-table.js';
import type { TransportSocket } from './transport.js';

/** Default largest accepted frame: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Default outgoing buffer above which subscriptions pause: 1 MiB. */
export const DEFAULT_SEND_HIGH_WATER_MARK_BYTES = 1024 * 1024;

/** Options of `createServer`. */
export interface ServerOptions<TContract extends Contract, TContext> {
  /** One handler per procedure of the contract. */
  handlers: Handlers<TContract, TContext>;
  /**
   * Builds the connection context once per connection from the upgrade request
   * (headers, cookies, URL). Throw `RpcError('UNAUTHORIZED' | 'FORBIDDEN')` to
   * refuse the connection with close code 4401 / 4403 and your message as reason.
   *
   * Annotate the parameter (`(info: ConnectionInfo) => …`) so TypeScript infers
   * the context type for the handlers: it cannot infer it from an unannotated
   * parameter and handlers in the same object literal.
   */
  context?: (info: ConnectionInfo) => TContext | Promise<TContext>;
  /** Where unexpected errors are reported. Defaults to one line per entry on stderr. */
  logger?: Logger;
  /** Payload codecs the server accepts, in order of preference. Defaults to superjson, then JSON. */
  codecs?: readonly Codec[];
  /** Largest frame accepted; bigger ones close the connection with 1009. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Outgoing bytes buffered per connection above which subscriptions wait for the client to read. Default 1 MiB. */
  sendHighWaterMarkBytes?: number;
}

/** Outcome of subprotocol negotiation for one upgrade request. */
export type Negotiation =
  | { readonly kind: 'accepted'; readonly subprotocol: string; readonly codec: Codec }
  /** The client speaks Wirecall, but not a version or codec this server does. */
  | { readonly kind: 'unsupported'; readonly subprotocol: string; readonly reason: string }
  /** The client did not offer any Wirecall subprotocol. */
  | { readonly kind: 'missing'; readonly reason: string };

/** The socket-facing side of a connection, driven by an adapter. */
export interface AcceptedConnection {
  readonly receive: (data: string) => void;
  readonly receiveBinary: () => void;
  /** The socket closed, whoever closed it. */
  readonly handleClose: () => void;
}

/**
 * The transport-agnostic server: procedures, connections and their lifecycle.
 * Adapters (see `adapters/ws.ts`) feed it sockets.
 */
export interface RpcServerCore<TContract extends Contract, TContext> {
  readonly logger: Logger;
  readonly maxPayloadBytes: number;
  /** Whether `close()` was called; adapters refuse new upgrades once it was. */
  readonly closing: boolean;
  /** Number of open connections. */
  readonly connectionCount: number;
  /** Picks the subprotocol among those the client offered. */
  readonly negotiate: (offered: readonly string[]) => Negotiation;
  /** Takes ownership of an upgraded socket. */
  readonly accept: (socket: TransportSocket, codec: Codec, request: IncomingMessage) => AcceptedConnection;
  /** Invokes procedures in-process with `ctx`, with the same validation as over the wire. */
  readonly createCaller: (ctx: TContext) => Caller<TContract>;
  /** Sends `goaway` to every connection, closes them, and resolves once every handler has finished. */
  readonly shutdown: () => Promise<void>;
}

/** The part of the core an adapter drives. */
export type ServerCoreForAdapters = Pick<
  RpcServerCore<Contract, unknown>,
  'logger' | 'maxPayloadBytes' | 'closing' | 'negotiate' | 'accept'
>;

/** Builds the server core; throws at once when the handlers do not match the contract. */
export function createRpcServer<TContract extends Contract, TContext>(
  contract: TContract,
  options: ServerOptions<TContract, TContext>,
): RpcServerCore<TContract, TContext> {
  const procedures = createProcedureTable(contract, options.handlers);
  const logger = options.logger ?? stderrLogger;
  const codecs = new Map((options.codecs ?? [superjsonCodec, jsonCodec]).map((codec) => [formatSubprotocol(codec.name), codec]));
  const supported = [...codecs.keys()].join(', ');
  const connections = new Set<Connection>();
  const releases = new Set<Promise<void>>();
  let closing = false;

  async function establish(connection: Connection, socket: TransportSocket, info: ConnectionInfo): Promise<void> {
    try {
      const ctx = options.context === undefined ? undefined : await options.context(info);
      if (connection.state !== 'opening') return;
      connection.open(ctx);
      socket.resume();
    } catch (error) {
      if (isRpcError(error) && error.code === RpcErrorCode.Unauthorized) {
        connection.closeWith(CloseCode.Unauthorized, error.message);
      } else if (isRpcError(error) && error.code === RpcErrorCode.Forbidden) {
        connection.closeWith(CloseCode.Forbidden, error.message);
      } else {
        logger.error('context function failed', { connectionId: info.connectionId, error });
        connection.closeWith(CloseCode.InternalError, 'Internal server error');
      }
    }
  }

  return {
    logger,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    get closing() {
      return closing;
    },
    get connectionCount() {
      return connections.size;
    },
    negotiate(offered) {
      // The server's order of preference wins over the client's order of offer.
      for (const [subprotocol, codec] of codecs) {
        if (offered.includes(subprotocol)) return { kind: 'accepted', subprotocol, codec };
      }
      const wirecall = offered.find(isWirecallSubprotocol);
      if (wirecall !== undefined) {
        return { kind: 'unsupported', subprotocol: wirecall, reason: `unsupported subprotocol ${wirecall}; this server speaks ${supported}` };
      }
      return { kind: 'missing', reason: `Sec-WebSocket-Protocol must offer one of: ${supported}` };
    },
    accept(socket, codec, request) {
      const connectionId = nanoid();
      const connection = createConnection({
        id: connectionId,
        socket,
        codec,
        procedures,
        logger,
        sendHighWaterMarkBytes: options.sendHighWaterMarkBytes ?? DEFAULT_SEND_HIGH_WATER_MARK_BYTES,
      });
      connections.add(connection);
      socket.pause();
      if (closing) connection.shutdown('server shutting down');
      else void establish(connection, socket, readConnectionInfo(connectionId, request));
      return {
        receive: (data) => {
          connection.receive(data);
        },
        receiveBinary: () => {
          connection.receiveBinary();
        },
        handleClose() {
          connection.handleClose();
          const release = connection.settled().then(() => {
            connections.delete(connection);
            releases.delete(release);
          });
          releases.add(release);
        },
      };
    },
    createCaller(ctx) {
      return createCaller(contract, procedures, ctx, logger);
    },
    async shutdown() {
      closing = true;
      for (const connection of connections) connection.shutdown('server shutting down');
      await Promise.all([...connections].map((connection) => connection.settled()));
      await Promise.all(releases);
    },
  };
}

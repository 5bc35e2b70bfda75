import type { IncomingMessage } from 'node:http';

import type { Contract } from '@wirecall/schema';
import {
  CloseCode,
  formatSubprotocol,
  isWirecallSubprotocol,
  jsonCodec,
  MAX_TIMEOUT_MS,
  richCodec,
  superjsonCodec,
  type Codec,
  type Limits,
} from '@wirecall/schema/protocol';
import { nanoid } from 'nanoid';

import { createCaller, type Caller } from './caller.js';
import { readConnectionInfo, UpgradeRequest, type ConnectionInfo } from './connection-info.js';
import type { Authenticated, ConnectionConfig, DrainOptions } from './connection-config.js';
import { Connection } from './connection.js';
import type { Handlers } from './handlers.js';
import type { CheckMiddlewareMap, MiddlewareMap, NoMiddleware } from './middleware-map.js';
import { stderrLogger, type Logger } from './logger.js';
import { createAdmission, type Admission, type AdmissionOptions } from './admission.js';
import { authorize } from './middleware-chain.js';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';
import { Operation, type CallMeta } from './operation.js';
import { createProcedureTable, type ProcedureEntry } from './procedure-table.js';
import { createSessionStore, type SessionOptions } from './delivery/session-store.js';
import { connectionClosed, connectionOpened } from './metrics/connection-observer.js';
import { createServerMetrics, type MetricsOptions, type MetricsRecorder, type ServerMetrics } from './metrics/server-metrics.js';
import type { TransportSocket } from './transport.js';

/** Default largest accepted frame: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Default outgoing buffer above which subscriptions pause: 1 MiB. */
export const DEFAULT_SEND_HIGH_WATER_MARK_BYTES = 1024 * 1024;
/** Default time a client may stay over the send high-water mark before it is disconnected. */
export const DEFAULT_SLOW_CONSUMER_TIMEOUT_MS = 30_000;
/** Default time a client has to send `hello` after the upgrade. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
/** Default heartbeat interval (ping frames from the server, `ping` messages from the client). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
/** Default limit of calls in flight per connection. */
export const DEFAULT_MAX_IN_FLIGHT_CALLS = 1024;
/** Default limit of live subscriptions per connection. */
export const DEFAULT_MAX_SUBSCRIPTIONS = 1024;

/** permessage-deflate settings. */
export interface CompressionOptions {
  /** Frames smaller than this are sent uncompressed. Default 1024. */
  readonly thresholdBytes?: number;
  /** zlib level, 1 (fast) to 9 (small). Default 3. */
  readonly level?: number;
}

/** Options of `createServer`. */
export interface ServerOptions<TContract extends Contract, TContext, TMiddleware extends MiddlewareMap = NoMiddleware>
  extends AdmissionOptions {
  /** One handler per procedure of the contract. */
  handlers: Handlers<TContract, TContext, NoInfer<TMiddleware>>;
  /**
   * Middleware run after input validation and before the handler (on the wire
   * and in `createCaller`), by key: `'*'` (every procedure), a namespace path
   * (`admin`, `admin.users`) or a procedure path (`chat.send`). Order: `'*'`,
   * then namespaces outermost first, then the procedure; array order within a
   * key. Each handler's `ctx` is the context extended by every middleware that
   * applies to it. A key that names nothing in the contract, or a middleware
   * that needs a context its position does not provide, is a compile error
   * (write the map inline, or declare it `as const` so arrays keep their order);
   * an unknown key or a non-function throws `MiddlewareConfigError` at startup.
   * A middleware's `RpcError` reaches the client as the request's error. Default: none.
   */
  middleware?: TMiddleware & NoInfer<CheckMiddlewareMap<TContract, TContext, TMiddleware>>;
  /**
   * Builds the connection context from the upgrade request (headers, cookies,
   * URL) and the connection params of `hello`: once per connection, and again
   * when the client re-authenticates. Throw `RpcError('UNAUTHORIZED' | 'FORBIDDEN')`
   * to refuse the connection with close code 4401 / 4403 and your message as reason.
   *
   * Annotate the parameter (`(info: ConnectionInfo) => …`) so TypeScript infers
   * the context type for the handlers: it cannot infer it from an unannotated
   * parameter and handlers in the same object literal.
   */
  context?: (info: ConnectionInfo) => TContext | Promise<TContext>;
  /**
   * Where unexpected errors are reported, and (with its optional `info` / `debug`)
   * connections opened and closed and failed requests. Defaults to one line per
   * entry on stderr, errors and warnings only (see `createStderrLogger` for more).
   */
  logger?: Logger;
  /**
   * Server metrics (connections, calls by procedure and outcome, durations,
   * subscriptions, traffic, backpressure, rate-limit and upgrade refusals), read
   * with `server.metrics.snapshot()` or served in the Prometheus text format by
   * `server.metrics.handler`. `false` turns them off (nothing is counted). Default: on.
   * @see docs/observability.md
   */
  metrics?: MetricsOptions | boolean;
  /**
   * Payload codecs the server accepts, in order of preference (the first one a client
   * offers wins). Default: `[richCodec, superjsonCodec, jsonCodec]`.
   * @see PROTOCOL.md#subprotocol
   */
  codecs?: readonly Codec[];
  /** Largest frame accepted; bigger ones close the connection with 1009. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Outgoing bytes buffered per connection above which subscriptions wait for the client to read. Default 1 MiB. */
  sendHighWaterMarkBytes?: number;
  /** How long a client may stay above `sendHighWaterMarkBytes` before it is disconnected with 4499. Default 30 s. */
  slowConsumerTimeoutMs?: number;
  /**
   * permessage-deflate, off by default: it costs CPU and memory per connection
   * and small RPC messages gain little. When on, frames under `thresholdBytes`
   * (default 1 KiB) are sent uncompressed, windows are capped for bounded memory,
   * and `maxPayloadBytes` still bounds every frame after decompression.
   */
  compression?: CompressionOptions | false;
  /** Time a client has to send `hello` after the upgrade; then the socket closes with 4408. Default 10 s. */
  helloTimeoutMs?: number;
  /**
   * Heartbeat interval: the server pings every socket this often and drops those
   * that did not answer the previous ping; clients are told to ping as often. `0`
   * disables heartbeats. Default 30 s.
   */
  heartbeatIntervalMs?: number;
  /** Calls in flight per connection; more are refused with TOO_MANY_REQUESTS (the client holds them back). Default 1024. */
  maxInFlightCalls?: number;
  /** Live subscriptions per connection; more are refused with TOO_MANY_REQUESTS. Default 1024. */
  maxSubscriptions?: number;
  /**
   * Messages per connection (token bucket). A call or subscribe over the limit
   * gets TOO_MANY_REQUESTS; more consecutive ones than `burst` close the
   * connection with 4429. `false` turns it off. Default: burst 2,000, 1,000/s.
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Client sessions, which make mutations run once across reconnects: each
   * session remembers its recent mutations and their outcomes (`windowSize`,
   * `windowMs`) and outlives its connection by `ttlMs`, so a mutation retried
   * after a reconnect gets the stored outcome instead of running again.
   * In memory: a restarted server answers such retries with OUTCOME_UNKNOWN.
   * `false` turns sessions off (interrupted mutations then fail with CONNECTION_LOST).
   */
  sessions?: SessionOptions | false;
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
  /** The socket closed, whoever closed it: with the code (and reason) that ended it, for metrics and logs. */
  readonly handleClose: (code: number, reason: string) => void;
}

/**
 * The transport-agnostic server: procedures, connections and their lifecycle.
 * Adapters (see `adapters/ws.ts`) feed it sockets.
 */
export interface RpcServerCore<TContract extends Contract, TContext> {
  readonly logger: Logger;
  /** The public view of the server's metrics. */
  readonly metrics: ServerMetrics;
  /** What adapters and connections record into; `undefined` when metrics are off. */
  readonly metricsRecorder: MetricsRecorder | undefined;
  /** Origin, connection-count and address checks at the upgrade. */
  readonly admission: Admission;
  readonly maxPayloadBytes: number;
  /** permessage-deflate settings, or `false`. */
  readonly compression: CompressionOptions | false;
  /** Interval of ping frames; 0 disables them. */
  readonly heartbeatIntervalMs: number;
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
  /** Refuses new connections and drains every open one (see `DrainOptions`); resolves once each was sent its close frame. */
  readonly shutdown: (options: DrainOptions) => Promise<void>;
  /** Resolves once every connection whose socket closed has no handler or generator left running. */
  readonly released: () => Promise<void>;
}

/** The part of the core an adapter drives. */
export type ServerCoreForAdapters = Pick<
  RpcServerCore<Contract, unknown>,
  | 'logger'
  | 'metricsRecorder'
  | 'admission'
  | 'maxPayloadBytes'
  | 'compression'
  | 'heartbeatIntervalMs'
  | 'closing'
  | 'negotiate'
  | 'accept'
>;

/** Reads a numeric option: an integer of at least `min` (timers cap at MAX_TIMEOUT_MS), or the default. */
function countOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > MAX_TIMEOUT_MS) {
    throw new RangeError(`${name} must be an integer from ${String(min)} to ${String(MAX_TIMEOUT_MS)}, got ${String(value)}`);
  }
  return value;
}

/** Builds the server core; throws at once when the handlers do not match the contract. */
export function createRpcServer<TContract extends Contract, TContext, TMiddleware extends MiddlewareMap = NoMiddleware>(
  contract: TContract,
  options: ServerOptions<TContract, TContext, TMiddleware>,
): RpcServerCore<TContract, TContext> {
  const { recorder: metricsRecorder, metrics } = createServerMetrics(options.metrics);
  const procedures = createProcedureTable(contract, options.handlers, options.middleware, metricsRecorder?.observe);
  const logger = options.logger ?? stderrLogger;
  const codecs = new Map((options.codecs ?? [richCodec, superjsonCodec, jsonCodec]).map((codec) => [formatSubprotocol(codec.name), codec]));
  const supported = [...codecs.keys()].join(', ');
  const connections = new Set<Connection>();
  const releases = new Set<Promise<void>>();
  let closing = false;

  const limits: Limits = {
    maxPayloadBytes: countOption('maxPayloadBytes', options.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES, 1),
    maxInFlightCalls: countOption('maxInFlightCalls', options.maxInFlightCalls, DEFAULT_MAX_IN_FLIGHT_CALLS, 1),
    maxSubscriptions: countOption('maxSubscriptions', options.maxSubscriptions, DEFAULT_MAX_SUBSCRIPTIONS, 1),
  };
  const heartbeatIntervalMs = countOption('heartbeatIntervalMs', options.heartbeatIntervalMs, DEFAULT_HEARTBEAT_INTERVAL_MS, 0);
  const helloTimeoutMs = countOption('helloTimeoutMs', options.helloTimeoutMs, DEFAULT_HELLO_TIMEOUT_MS, 1);
  const slowConsumerTimeoutMs = countOption(
    'slowConsumerTimeoutMs',
    options.slowConsumerTimeoutMs,
    DEFAULT_SLOW_CONSUMER_TIMEOUT_MS,
    1,
  );

  const sendHighWaterMarkBytes = options.sendHighWaterMarkBytes ?? DEFAULT_SEND_HIGH_WATER_MARK_BYTES;

  /** Re-checks a live subscription against a new context by running its middleware without its handler. */
  async function reauthorize(entry: ProcedureEntry, ctx: unknown, input: unknown, meta: CallMeta): Promise<void> {
    await authorize(entry, ctx, input, new Operation({ kind: 'subscription', meta }));
  }

  /** Runs the user's context function for one connection and the params it sent. */
  async function authenticate(connectionId: string, upgrade: UpgradeRequest, params: unknown): Promise<Authenticated> {
    let expiresAt: number | undefined;
    const info = readConnectionInfo(connectionId, upgrade, params, (at) => {
      const time = typeof at === 'number' ? at : at.getTime();
      if (!Number.isFinite(time) || time <= 0) throw new TypeError(`expireAt needs a valid time, got ${String(at)}`);
      expiresAt = Math.ceil(time);
    });
    const ctx = options.context === undefined ? undefined : await options.context(info);
    return { ctx, expiresAt };
  }

  const admission = createAdmission(options);
  const sessions = options.sessions === false ? undefined : createSessionStore(options.sessions);

  /** The socket of `connection` closed: count and log it, and forget it once its handlers are done. */
  function closed(connection: Connection, code: number, reason: string): void {
    connectionClosed(metricsRecorder, logger, connection.id, connection.openedAt, code, reason);
    const release = connection.settled().then(() => {
      connections.delete(connection);
      releases.delete(release);
    });
    releases.add(release);
  }

  /** What every connection shares: one object per server, not per connection. */
  const connectionConfig: ConnectionConfig = {
    procedures,
    logger,
    sendHighWaterMarkBytes,
    slowConsumerTimeoutMs,
    limits,
    heartbeatIntervalMs,
    helloTimeoutMs,
    authenticate,
    reauthorize,
    sessions,
    metrics: metricsRecorder,
    closed,
  };
  const rateLimit = options.rateLimit === false ? undefined : (options.rateLimit ?? {});

  return {
    logger,
    metrics,
    metricsRecorder,
    admission,
    maxPayloadBytes: limits.maxPayloadBytes,
    compression: options.compression ?? false,
    heartbeatIntervalMs,
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
      const id = nanoid();
      const remoteAddress = admission.remoteAddress(request);
      const connection = new Connection(connectionConfig, {
        id,
        socket,
        codec,
        upgrade: new UpgradeRequest(request, remoteAddress),
        rateLimiter: rateLimit === undefined ? undefined : new RateLimiter(rateLimit),
        openedAt: connectionOpened(metricsRecorder, logger, id, remoteAddress),
      });
      connections.add(connection);
      if (closing) connection.closeWith(CloseCode.GoingAway, 'server shutting down');
      return connection;
    },
    createCaller(ctx) {
      return createCaller(contract, procedures, ctx, logger);
    },
    async shutdown(drainOptions) {
      closing = true;
      await Promise.all([...connections].map((connection) => connection.drain(drainOptions)));
      sessions?.clear();
    },
    async released() {
      await Promise.all([...connections].map((connection) => connection.settled()));
      await Promise.all(releases);
    },
  };
}

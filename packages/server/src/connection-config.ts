/**
 * What a server hands each of its connections: the shared `ConnectionConfig`, the
 * per-socket `ConnectionInit`, and the shapes of authentication and drain.
 * @module
 */
import type { Codec, Limits } from '@wirecall/schema/protocol';

import type { Connection } from './connection.js';
import type { UpgradeRequest } from './connection-info.js';
import type { SessionStore } from './delivery/session-store.js';
import type { Logger } from './logger.js';
import type { MetricsRecorder } from './metrics/server-metrics.js';
import type { CallMeta } from './operation.js';
import type { ProcedureEntry } from './procedure-table.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TransportSocket } from './transport.js';

/** The outcome of authenticating connection params. */
export interface Authenticated {
  readonly ctx: unknown;
  /** When the credentials expire (ms since the epoch); the connection closes with 4401 then unless re-authenticated. */
  readonly expiresAt: number | undefined;
}

/** What every connection of a server shares: built once, by the server. */
export interface ConnectionConfig {
  readonly procedures: ReadonlyMap<string, ProcedureEntry>;
  readonly logger: Logger;
  readonly sendHighWaterMarkBytes: number;
  /** How long a client may stay over the high-water mark before it is disconnected. */
  readonly slowConsumerTimeoutMs: number;
  readonly limits: Limits;
  readonly heartbeatIntervalMs: number;
  readonly helloTimeoutMs: number;
  /** Builds the connection context from the params of `hello` or `auth`; throws `RpcError` to refuse. */
  readonly authenticate: (connectionId: string, upgrade: UpgradeRequest, params: unknown) => Promise<Authenticated>;
  /** Re-checks a live subscription against a new context; throws (e.g. FORBIDDEN) when it is no longer allowed. */
  readonly reauthorize: (entry: ProcedureEntry, ctx: unknown, input: unknown, meta: CallMeta) => Promise<void>;
  /** Client sessions that make retried mutations run once, or `undefined` when the server keeps none. */
  readonly sessions: SessionStore | undefined;
  /** Where refusals, rate-limit rejections and backpressure pauses are counted; `undefined` when metrics are off. */
  readonly metrics: MetricsRecorder | undefined;
  /** Called once, when the socket of `connection` has closed, with the close code and reason that ended it. */
  readonly closed: (connection: Connection, code: number, reason: string) => void;
}

/** What is particular to one connection. */
export interface ConnectionInit {
  readonly id: string;
  readonly socket: TransportSocket;
  readonly codec: Codec;
  /** What the context function may read of the upgrade request. */
  readonly upgrade: UpgradeRequest;
  /** The message rate limiter of this connection, or `undefined` when rate limiting is off. */
  readonly rateLimiter: RateLimiter | undefined;
  /** When the connection was accepted (`performance.now()`), for its lifetime in metrics and logs. */
  readonly openedAt: number;
}

/** How a server shutdown drains a connection. */
export interface DrainOptions {
  readonly reason: string;
  /** Clients reconnect at a random moment within this window. */
  readonly reconnectWithinMs: number;
  /** How long in-flight calls may run before they are answered with UNAVAILABLE. */
  readonly drainTimeoutMs: number;
}

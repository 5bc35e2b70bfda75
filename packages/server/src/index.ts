/**
 * Wirecall server: implement a contract and serve it over WebSockets.
 * @module
 */

/** Server */
export {
  createServer,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_RECONNECT_WINDOW_MS,
  type CloseOptions,
  type RpcServer,
  type CreateServerOptions,
  type ListenOptions,
  type ListenInfo,
  type AttachToServerOptions,
} from './create-server.js';
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_SEND_HIGH_WATER_MARK_BYTES,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_SLOW_CONSUMER_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MAX_IN_FLIGHT_CALLS,
  DEFAULT_MAX_SUBSCRIPTIONS,
  type ServerOptions,
  type CompressionOptions,
} from './rpc-server.js';
export { HandlerMismatchError } from './procedure-table.js';
export type { ConnectionInfo } from './connection-info.js';
export { DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_PER_SECOND, type RateLimitOptions } from './rate-limiter.js';
export {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  type AdmissionOptions,
  type OriginPolicy,
} from './admission.js';

/** Handlers */
export type {
  Handlers,
  Handler,
  CallHandler,
  SubscriptionHandler,
  HandlerOptions,
  SubscriptionHandlerOptions,
  ErrorFactories,
} from './handlers.js';

/** Middleware */
export {
  defineMiddleware,
  type Middleware,
  type MiddlewareOptions,
  type MiddlewareResult,
  type NoExtension,
} from './middleware.js';
export type { MiddlewareMap, NoMiddleware } from './middleware-map.js';
export { MiddlewareConfigError } from './middleware-config.js';

/** In-process caller */
export type { Caller, CallerProcedure, CallerCallOptions, CallerSubscribeOptions } from './caller.js';

/** Logging */
export { stderrLogger, type Logger, type LogDetails } from './logger.js';

/** Errors (re-exported so handlers need one import) */
export { RpcError, RpcErrorCode, isRpcError } from '@wirecall/schema';

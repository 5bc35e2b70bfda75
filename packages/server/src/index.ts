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

/** Delivery guarantees: resumable subscriptions, exactly-once mutations */
export { tracked, gap, Tracked, Gap, type SubscriptionItem } from './delivery/tracked.js';
export {
  createEventLog,
  DEFAULT_EVENT_LOG_MAX_EVENTS,
  DEFAULT_EVENT_LOG_MAX_AGE_MS,
  type EventLog,
  type EventLogOptions,
  type EventLogSubscribeOptions,
} from './delivery/event-log.js';
export { pushIterable, type PushCursor } from './delivery/push-source.js';
export { DEFAULT_SESSION_OPTIONS, type SessionOptions } from './delivery/session-store.js';
export { GapReason } from '@wirecall/schema/protocol';

/** In-process caller */
export type { Caller, CallerProcedure, CallerCallOptions, CallerSubscribeOptions } from './caller.js';

/** Logging */
export {
  stderrLogger,
  createStderrLogger,
  type Logger,
  type LogDetails,
  type LogLevel,
  type StderrLoggerOptions,
} from './logger.js';

/** Metrics */
export {
  DEFAULT_METRICS_PREFIX,
  type MetricsOptions,
  type ServerMetrics,
  type ServerMetricsSnapshot,
  type CallMetricsSnapshot,
  type SubscriptionMetricsSnapshot,
  type UpgradeRefusalReason,
} from './metrics/server-metrics.js';
export { DEFAULT_DURATION_BUCKETS_SECONDS, type HistogramSnapshot } from './metrics/histogram.js';
export { PROMETHEUS_CONTENT_TYPE } from './metrics/prometheus-text.js';

/** Errors (re-exported so handlers need one import) */
export { RpcError, RpcErrorCode, isRpcError } from '@wirecall/schema';

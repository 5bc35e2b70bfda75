/**
 * Wirecall client: typed calls and subscriptions over one WebSocket. Runs in
 * browsers and Node; imports no Node built-ins and no server code.
 * @module
 */

/** Client */
export {
  createClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_QUEUED_REQUESTS,
  DEFAULT_REFRESH_BEFORE_EXPIRY_MS,
  DEFAULT_SEND_HIGH_WATER_MARK_BYTES,
  type ClientOptions,
} from './rpc-client.js';
export type { ConnectionState, ConnectionStatus, HeartbeatOptions } from './connection-manager.js';
export { backoffDelay, DEFAULT_INITIAL_DELAY_MS, DEFAULT_MAX_DELAY_MS, type ReconnectOptions } from './backoff.js';
export type {
  Client,
  ClientControls,
  ClientProxy,
  ClientProcedure,
  ClientState,
  CallOptions,
  QueryProcedure,
  MutationProcedure,
  SubscriptionProcedure,
} from './client-types.js';

/** Subscriptions */
export {
  DEFAULT_MAX_BUFFERED_EVENTS,
  SubscriptionUsageError,
  type Subscription,
  type SubscribeOptions,
  type SubscriptionGap,
} from './subscription.js';

/** WebSocket */
export {
  MissingWebSocketError,
  type WebSocketConstructor,
  type WebSocketLike,
  type CloseEventLike,
} from './websocket.js';

/** Errors */
export type { ConnectionLostData } from './errors.js';
export { RpcError, RpcErrorCode, isRpcError, isProcedureError } from '@wirecall/schema';
export { richCodec, superjsonCodec, jsonCodec, type Codec } from '@wirecall/schema/protocol';

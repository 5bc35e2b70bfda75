import type {
  Contract,
  InferError,
  InferEvent,
  InferOutput,
  Procedure,
  ProcedureArgs,
} from '@wirecall/schema';

import type { ConnectionState, ConnectionStatus } from './connection-manager.js';
import type { SubscribeOptions, Subscription } from './subscription.js';

/** Options of one query or mutation. */
export interface CallOptions {
  /** Cancels the call: it rejects with `CANCELLED` and the server-side handler's signal aborts. */
  signal?: AbortSignal;
  /** Deadline: the call rejects with `TIMEOUT`; the server aborts the handler at the same deadline. */
  timeoutMs?: number;
  /** Per-call metadata for the server's call context, e.g. `{ traceId, locale }` (string values, at most 32 entries). */
  meta?: Readonly<Record<string, string>>;
}

/** A query of the contract, as the client exposes it. */
export interface QueryProcedure<TProcedure extends Procedure> {
  /** Runs the query. Rejects with an `RpcError` (see `isProcedureError` to narrow it). */
  readonly query: (...args: ProcedureArgs<TProcedure, CallOptions>) => Promise<InferOutput<TProcedure>>;
}

/** A mutation of the contract, as the client exposes it. */
export interface MutationProcedure<TProcedure extends Procedure> {
  /** Runs the mutation. Rejects with an `RpcError` (see `isProcedureError` to narrow it). */
  readonly mutate: (...args: ProcedureArgs<TProcedure, CallOptions>) => Promise<InferOutput<TProcedure>>;
}

/** A subscription of the contract, as the client exposes it. */
export interface SubscriptionProcedure<TProcedure extends Procedure> {
  /** Starts the subscription; consume it with `onData` callbacks or `for await`. */
  subscribe(
    ...args: ProcedureArgs<TProcedure, SubscribeOptions<InferEvent<TProcedure>, InferError<TProcedure>>>
  ): Subscription<InferEvent<TProcedure>>;
}

/** The client-side shape of one procedure, by kind. */
export type ClientProcedure<TProcedure extends Procedure> = {
  query: QueryProcedure<TProcedure>;
  mutation: MutationProcedure<TProcedure>;
  subscription: SubscriptionProcedure<TProcedure>;
}[TProcedure['~rpc']['kind']];

/** The typed proxy of a contract: namespaces nest, procedures expose `query`, `mutate` or `subscribe`. */
export type ClientProxy<TContract extends Contract> = {
  readonly [TKey in keyof TContract]: TContract[TKey] extends Procedure
    ? ClientProcedure<TContract[TKey]>
    : TContract[TKey] extends Contract
      ? ClientProxy<TContract[TKey]>
      : never;
};

/** State of the client's connection (see `ConnectionState`). */
export type ClientState = ConnectionState;

/** Connection controls, prefixed with `$` so they never collide with contract names. */
export interface ClientControls {
  /** Current connection state. */
  readonly $state: ClientState;
  /** Everything observable about the connection: state, reconnection attempt and delay, last close, round-trip time. */
  readonly $status: ConnectionStatus;
  /** Calls `listener` on every state change; returns a function that removes it. */
  readonly $onStateChange: (listener: (state: ClientState, status: ConnectionStatus) => void) => () => void;
  /** Calls `listener` on every status change (state, attempt, round-trip time...); returns a function that removes it. */
  readonly $onStatus: (listener: (status: ConnectionStatus) => void) => () => void;
  /**
   * Sends fresh connection params (from the `params` option) on the open
   * connection, e.g. after a token refresh; resolves once the server accepted
   * them. Live subscriptions the new credentials no longer allow end with FORBIDDEN.
   */
  readonly $reauthenticate: () => Promise<void>;
  /**
   * Closes the connection for good (1000): live requests fail with
   * `CONNECTION_LOST`, and no timer, socket or listener is left behind.
   * Resolves once the socket is closed. Idempotent.
   */
  readonly $close: () => Promise<void>;
}

/** What `createClient` returns. */
export type Client<TContract extends Contract> = ClientProxy<TContract> & ClientControls;

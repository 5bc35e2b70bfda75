import type {
  Contract,
  ErrorMap,
  InferHandlerEvent,
  InferHandlerOutput,
  InferParsedInput,
  Procedure,
  RpcError,
} from '@wirecall/schema';
import type { z } from 'zod';

import type { SubscriptionItem } from './delivery/tracked.js';
import type { CallMeta } from './operation.js';

import type { ApplyMiddlewareKey, JoinPath, NoMiddleware } from './middleware-map.js';

/** Builds a declared error with typed data: `throw errors.ROOM_FULL({ capacity: 8 })`. */
export type ErrorFactories<TErrors extends ErrorMap> = {
  readonly [TCode in keyof TErrors & string]: (
    data: z.input<TErrors[TCode]>,
    message?: string,
  ) => RpcError<TCode, z.input<TErrors[TCode]>>;
};

/** What every handler receives. */
export interface HandlerOptions<TProcedure extends Procedure, TContext> {
  /** The validated (and transformed) input. */
  readonly input: InferParsedInput<TProcedure>;
  /** The connection context built by the server's `context` function. */
  readonly ctx: TContext;
  /** Aborts when the caller cancels, the deadline passes, or the connection closes. */
  readonly signal: AbortSignal;
  /** Factories for the errors this procedure declares. */
  readonly errors: ErrorFactories<TProcedure['~rpc']['errors']>;
  /** The dotted path of the procedure, e.g. `chat.send`. */
  readonly path: string;
  /** Per-call metadata the client sent with this request (e.g. `traceId`, `locale`); `{}` when none. */
  readonly meta: CallMeta;
}

/** What a subscription handler receives on top of {@link HandlerOptions}. */
export interface SubscriptionHandlerOptions<TProcedure extends Procedure, TContext>
  extends HandlerOptions<TProcedure, TContext> {
  /** The id of the last event the client saw, when it resumes a subscription. */
  readonly lastEventId: string | undefined;
}

/** Implements a query or a mutation: returns (or resolves to) the output. */
export type CallHandler<TProcedure extends Procedure, TContext> = (
  options: HandlerOptions<TProcedure, TContext>,
) => InferHandlerOutput<TProcedure> | Promise<InferHandlerOutput<TProcedure>>;

/**
 * Implements a subscription: an async iterable of events, usually an
 * `async function*`. Its `finally` runs when the subscription ends for any reason.
 * A resumable subscription yields `tracked(id, event)` (or returns an event
 * log's `subscribe(...)`), and `gap(reason)` when it cannot replay what the client missed.
 */
export type SubscriptionHandler<TProcedure extends Procedure, TContext> = (
  options: SubscriptionHandlerOptions<TProcedure, TContext>,
) => AsyncIterable<SubscriptionItem<InferHandlerEvent<TProcedure>>>;

/** The handler type that implements `TProcedure`. */
export type Handler<TProcedure extends Procedure, TContext> = TProcedure['~rpc']['kind'] extends 'subscription'
  ? SubscriptionHandler<TProcedure, TContext>
  : CallHandler<TProcedure, TContext>;

type NamespaceHandlers<TContract extends Contract, TContext, TMiddleware, TPrefix extends string> = {
  readonly [TKey in keyof TContract]: TContract[TKey] extends Procedure
    ? Handler<TContract[TKey], ApplyMiddlewareKey<TContext, TMiddleware, JoinPath<TPrefix, TKey & string>>>
    : TContract[TKey] extends Contract
      ? NamespaceHandlers<
          TContract[TKey],
          ApplyMiddlewareKey<TContext, TMiddleware, JoinPath<TPrefix, TKey & string>>,
          TMiddleware,
          JoinPath<TPrefix, TKey & string>
        >
      : never;
};

/**
 * One handler per procedure, nested like the contract. A missing or extra
 * handler is a compile error (and an error at startup). Each handler's `ctx` is
 * `TContext` extended by every middleware of `TMiddleware` that applies to it.
 */
export type Handlers<TContract extends Contract, TContext, TMiddleware = NoMiddleware> = NamespaceHandlers<
  TContract,
  ApplyMiddlewareKey<TContext, TMiddleware, '*'>,
  TMiddleware,
  ''
>;

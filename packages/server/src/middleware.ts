import type { CallMeta } from './operation.js';
import type { ProcedureKind } from '@wirecall/schema';

/** The extension of a middleware that adds nothing to the context. */
// eslint-disable-next-line @typescript-eslint/no-generated-empty-object-type -- an extension with no fields is exactly `{}`
export type NoExtension = Readonly<Record<never, never>>;

/**
 * What `next()` resolves with: the outcome of the rest of the chain. A
 * middleware resolves with it unchanged (`return next(…)`); failures of the
 * rest of the chain arrive as rejections instead.
 */
export interface MiddlewareResult<TExtension extends object = NoExtension> {
  /**
   * The handler's output, already validated against the contract, for queries
   * and mutations; `undefined` for subscriptions, whose `next()` resolves once
   * the handler has returned its iterable (before the first event).
   */
  readonly output: unknown;
  /** Type-only: the context extension passed to `next()`. Never present at runtime. */
  readonly '~rpc'?: { readonly extension: TExtension };
}

/** What a middleware receives. `TContext` is the context it needs to find. */
export interface MiddlewareOptions<TContext = unknown> {
  /** The context as built so far: the connection context plus the extensions of earlier middleware. */
  readonly ctx: TContext;
  /** The dotted path of the procedure, e.g. `chat.send`. */
  readonly path: string;
  /** Whether the procedure is a query, a mutation or a subscription. */
  readonly kind: ProcedureKind;
  /** The validated (and transformed) input: middleware runs after input validation. */
  readonly input: unknown;
  /**
   * Per-call metadata the client sent with this request (e.g. `traceId`,
   * `locale`): the raw material of a call context, which a middleware builds
   * with `next({ locale: meta.locale ?? 'en' })`.
   */
  readonly meta: CallMeta;
  /** Aborts when the caller cancels, the deadline passes, or the connection closes. */
  readonly signal: AbortSignal;
  /**
   * Runs the rest of the chain (later middleware, then the handler), with
   * `extension` merged into a shallow copy of the context. Call it exactly once
   * and resolve with what it resolves with, or throw instead to refuse the call.
   * It rejects with whatever the rest of the chain threw, before errors are
   * masked for the wire: catch to observe a failure, rethrow to keep it.
   */
  readonly next: <TExtension extends object = NoExtension>(
    extension?: TExtension,
  ) => Promise<MiddlewareResult<TExtension>>;
}

/**
 * A step run before a procedure's handler, after input validation. It may read
 * the context, extend it for everything after it, refuse the call by throwing
 * (an `RpcError` reaches the client with its code and message), and observe the
 * outcome and duration of the rest of the chain by awaiting `next()`.
 */
export type Middleware<TContext = unknown, TExtension extends object = NoExtension> = (
  options: MiddlewareOptions<TContext>,
) => Promise<MiddlewareResult<TExtension>>;

/** Any middleware, as the core runs it. */
export type AnyMiddleware = Middleware<never, object>;

/**
 * Declares a middleware, inferring the context it needs from the annotation of
 * its parameter (`MiddlewareOptions<{ user: User | null }>`) and the extension
 * it adds from what it passes to `next()`. Returns `middleware` unchanged.
 */
export function defineMiddleware<TContext = unknown, TExtension extends object = NoExtension>(
  middleware: Middleware<TContext, TExtension>,
): Middleware<TContext, TExtension> {
  return middleware;
}

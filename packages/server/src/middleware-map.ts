import type { Contract, Procedure } from '@wirecall/schema';

import type { AnyMiddleware, MiddlewareOptions, MiddlewareResult } from './middleware.js';

/**
 * Middleware by where it applies: `'*'` (every procedure), a namespace path
 * (`admin`, `admin.users`: every procedure under it) or a procedure path
 * (`chat.send`). A procedure runs `'*'` first, then its namespaces from the
 * outermost in, then its own; in array order within a key.
 */
export type MiddlewareMap = { readonly [key: string]: readonly AnyMiddleware[] };

/** The middleware map of a server without middleware. */
// eslint-disable-next-line @typescript-eslint/no-generated-empty-object-type -- a map with no keys is exactly `{}`
export type NoMiddleware = Readonly<Record<never, never>>;

/** `prefix.key`, or `key` at the root. */
export type JoinPath<TPrefix extends string, TKey extends string> = TPrefix extends '' ? TKey : `${TPrefix}.${TKey}`;

/** Every namespace and procedure path of a contract. */
export type ContractPath<TContract extends Contract, TPrefix extends string = ''> = {
  [TKey in keyof TContract & string]: TContract[TKey] extends Procedure
    ? JoinPath<TPrefix, TKey>
    : TContract[TKey] extends Contract
      ? JoinPath<TPrefix, TKey> | ContractPath<TContract[TKey], JoinPath<TPrefix, TKey>>
      : never;
}[keyof TContract & string];

/** The context extension a middleware passes to `next()`. */
export type InferExtension<TMiddleware> = TMiddleware extends (options: never) => Promise<MiddlewareResult<infer TExtension>>
  ? TExtension
  : never;

/** The context a middleware needs to find. */
export type InferNeededContext<TMiddleware> = TMiddleware extends (options: MiddlewareOptions<infer TContext>) => unknown
  ? TContext
  : never;

/** `TContext` with `TExtension` merged in, as `next(extension)` does at runtime (a shallow copy). */
export type Extend<TContext, TExtension> = [keyof TExtension] extends [never]
  ? TContext
  : TContext extends object
    ? TContext & TExtension
    : TExtension;

type UnionToIntersection<TUnion> = (TUnion extends unknown ? (value: TUnion) => void : never) extends (
  value: infer TIntersection,
) => void
  ? TIntersection
  : never;

/** The context after a list of middleware ran, in order. */
export type ApplyMiddlewareList<TContext, TList> = TList extends readonly [infer THead, ...infer TRest]
  ? ApplyMiddlewareList<Extend<TContext, InferExtension<THead>>, TRest>
  : TList extends readonly []
    ? TContext
    : TList extends readonly (infer TItem)[]
      ? Extend<TContext, UnionToIntersection<InferExtension<TItem>>>
      : TContext;

/** The context after the middleware of one key of the map ran. */
export type ApplyMiddlewareKey<TContext, TMiddleware, TKey extends string> = TKey extends keyof TMiddleware
  ? ApplyMiddlewareList<TContext, TMiddleware[TKey]>
  : TContext;

/** `TContext` once the middleware of every namespace enclosing path `TRest` ran, outermost first. */
type ApplyEnclosing<TContext, TMiddleware, TRest extends string, TDone extends string = ''> =
  TRest extends `${infer THead}.${infer TTail}`
    ? ApplyEnclosing<ApplyMiddlewareKey<TContext, TMiddleware, JoinPath<TDone, THead>>, TMiddleware, TTail, JoinPath<TDone, THead>>
    : TContext;

/** What a misplaced middleware is checked against: names what it needs and what it would get. */
export interface MiddlewareContextMismatch<TNeeded, TProvided> {
  readonly error: 'this middleware needs a context that is not provided at its position';
  readonly needs: TNeeded;
  readonly provided: TProvided;
}

type CheckList<TContext, TList> = TList extends readonly [infer THead, ...infer TRest]
  ? readonly [
      [TContext] extends [InferNeededContext<THead>] ? THead : MiddlewareContextMismatch<InferNeededContext<THead>, TContext>,
      ...CheckList<Extend<TContext, InferExtension<THead>>, TRest>,
    ]
  : TList extends readonly []
    ? TList
    : TList extends readonly (infer TItem)[]
      ? readonly ([TContext] extends [InferNeededContext<TItem>]
          ? TItem
          : MiddlewareContextMismatch<InferNeededContext<TItem>, TContext>)[]
      : TList;

/**
 * `TMiddleware` with every unknown key and every middleware that needs a
 * context its position does not provide replaced by an explanation, so that
 * `TMiddleware & CheckMiddlewareMap<…>` only accepts a valid map.
 */
export type CheckMiddlewareMap<TContract extends Contract, TContext, TMiddleware> = {
  readonly [TKey in keyof TMiddleware]: TKey extends '*'
    ? CheckList<TContext, TMiddleware[TKey]>
    : TKey extends ContractPath<TContract>
      ? CheckList<ApplyEnclosing<ApplyMiddlewareKey<TContext, TMiddleware, '*'>, TMiddleware, TKey>, TMiddleware[TKey]>
      : `"${TKey & string}" is neither a namespace nor a procedure of the contract`;
};

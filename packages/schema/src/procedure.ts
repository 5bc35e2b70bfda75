import type { z } from 'zod';

import { isBuiltinErrorCode } from './protocol/error-codes.js';

/** The three kinds of procedure a contract can declare. */
export type ProcedureKind = 'query' | 'mutation' | 'subscription';

/** Any zod schema. */
export type Schema = z.ZodType;

/**
 * Errors a procedure declares: code → zod schema of the error's data. Codes are
 * SCREAMING_SNAKE_CASE and must not reuse a built-in code.
 */
export type ErrorMap = Readonly<Record<string, Schema>>;

/** The empty error map of procedures that declare no errors. */
// eslint-disable-next-line @typescript-eslint/no-generated-empty-object-type -- an error map with no codes is exactly `{}`
export type NoErrors = Readonly<Record<never, never>>;

/** What a procedure definition holds under its `'~rpc'` key. */
export interface ProcedureInternals<
  TKind extends ProcedureKind,
  TInput extends Schema | undefined,
  TOutput extends Schema | undefined,
  TErrors extends ErrorMap,
> {
  readonly kind: TKind;
  /** Schema of the input, or `undefined` for procedures that take none. */
  readonly input: TInput;
  /** Schema of the result (queries, mutations) or of each event (subscriptions). */
  readonly output: TOutput;
  readonly errors: TErrors;
  /** Subscriptions: events carry ids and a reconnecting client resumes after the last one it saw. */
  readonly resumable: boolean;
  /** Queries and mutations: what happens to the call when the connection drops while it runs. */
  readonly onConnectionLost: ConnectionLostPolicy;
  /** Subscriptions: what the server does with events its subscriber is too slow to take (`'pause'` for calls). */
  readonly overflow: OverflowPolicy;
}

/**
 * What happens to a call in flight when the connection drops:
 * - `'retry'`: the client sends it again after reconnecting. Queries simply run
 *   again; a mutation is matched against the server's record of the session's
 *   recent calls, so it runs once (the retry gets the stored outcome, or waits for
 *   the first run), or fails with `OUTCOME_UNKNOWN` when the server can no longer tell.
 * - `'fail'`: the call fails with `CONNECTION_LOST`.
 */
export type ConnectionLostPolicy = 'retry' | 'fail';

/**
 * What a subscription does while its subscriber is slow, that is while the
 * connection's outgoing buffer is over the server's `sendHighWaterMarkBytes`:
 * - `pause`: the handler's generator is not pulled until the client reads again.
 * - `latest`: the generator is still pulled; only the newest event is held, and
 *   sent once the buffer drains (conflation: presence, cursors, prices).
 * - `dropOldest`: the generator is still pulled; at most `maxBuffered` events are
 *   held, the oldest dropped first.
 * - `end`: the subscription ends with `SLOW_CONSUMER`.
 *
 * A resumable subscription that dropped events sends a `gap` (`'expired'`)
 * before the next event. In every policy, a client that stays over the mark for
 * the server's `slowConsumerTimeoutMs` is disconnected (4499).
 * @see PROTOCOL.md#subscribe
 */
export type OverflowPolicy =
  | { readonly policy: 'pause' }
  | { readonly policy: 'latest' }
  | { readonly policy: 'dropOldest'; readonly maxBuffered: number }
  | { readonly policy: 'end' };

/** How `overflow` is written in a contract: a policy object, or the name of a policy that takes no options. */
export type OverflowOption = OverflowPolicy | Exclude<OverflowPolicy['policy'], 'dropOldest'>;

/**
 * A procedure of a contract: plain data (zod schemas and a kind), safe to import
 * in a browser bundle. Built with {@link query}, {@link mutation} or {@link subscription}.
 */
export interface Procedure<
  TKind extends ProcedureKind = ProcedureKind,
  TInput extends Schema | undefined = Schema | undefined,
  TOutput extends Schema | undefined = Schema | undefined,
  TErrors extends ErrorMap = ErrorMap,
> {
  readonly '~rpc': ProcedureInternals<TKind, TInput, TOutput, TErrors>;
}

/**
 * Any procedure, without its type parameters. Contracts are typed with it rather
 * than with `Procedure`: as the contextual return type of an inline `query(...)`,
 * `Procedure`'s defaults would become the inferred `TErrors`.
 */
export interface AnyProcedure {
  readonly '~rpc': { readonly kind: ProcedureKind };
}

/** Options shared by the three builders. */
export interface ProcedureOptions<TInput extends Schema | undefined, TErrors extends ErrorMap> {
  /** Input schema. Omit it for procedures called without input. */
  input?: TInput;
  /** Errors the handler may throw, with the schema of their data. */
  errors?: TErrors;
}

/** Options of queries and mutations. */
export interface CallProcedureOptions<TInput extends Schema | undefined, TOutput extends Schema | undefined, TErrors extends ErrorMap>
  extends ProcedureOptions<TInput, TErrors> {
  /** Schema of the result. Omit it for calls that return nothing. */
  output?: TOutput;
  /** What happens to the call when the connection drops while it runs. Default `'retry'`. */
  onConnectionLost?: ConnectionLostPolicy;
}

/** Options of subscriptions. */
export interface SubscriptionProcedureOptions<TInput extends Schema | undefined, TEvent extends Schema, TErrors extends ErrorMap>
  extends ProcedureOptions<TInput, TErrors> {
  /** Schema of each event. */
  event: TEvent;
  /**
   * Events carry ids (the handler yields `tracked(id, event)`, or reads from an
   * event log), and a client that reconnects resumes after the last event it
   * saw; when that is no longer possible it is told so with a gap. Default `false`.
   */
  resumable?: boolean;
  /**
   * What happens to events while the subscriber reads too slowly (see
   * `OverflowPolicy`): `'pause'`, `'latest'`, `{ policy: 'dropOldest', maxBuffered }`
   * or `'end'` (ends with `SLOW_CONSUMER`). An invalid value throws a `TypeError`
   * here. Default `'pause'`.
   */
  overflow?: OverflowOption;
}

const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;

function checkErrors(errors: ErrorMap): void {
  for (const code of Object.keys(errors)) {
    if (!ERROR_CODE_PATTERN.test(code)) {
      throw new TypeError(`error code "${code}" must be SCREAMING_SNAKE_CASE`);
    }
    if (isBuiltinErrorCode(code)) {
      throw new TypeError(`error code "${code}" is built in and cannot be declared by a procedure`);
    }
  }
}

const PAUSE: OverflowPolicy = Object.freeze({ policy: 'pause' });

/** A value as it appears in an error message (`JSON.stringify` returns `undefined` for `undefined` and functions). */
function show(value: unknown): string {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol' ? String(value) : JSON.stringify(value);
}

/** Checks and normalises an `overflow` option; contracts may come from plain JavaScript, so nothing is assumed. */
function parseOverflow(option: unknown): OverflowPolicy {
  const policy: unknown = typeof option === 'string' ? option : (option as { policy?: unknown } | null | undefined)?.policy;
  const isObject = typeof option === 'object' && option !== null;
  switch (policy) {
    case 'pause':
    case 'latest':
    case 'end':
      return Object.freeze({ policy });
    case 'dropOldest': {
      const maxBuffered = isObject ? (option as { maxBuffered?: unknown }).maxBuffered : undefined;
      if (!isObject || typeof maxBuffered !== 'number' || !Number.isSafeInteger(maxBuffered) || maxBuffered < 1) {
        throw new TypeError(`overflow "dropOldest" needs maxBuffered, a positive integer, got ${isObject ? show(maxBuffered) : 'none'}`);
      }
      return Object.freeze({ policy, maxBuffered });
    }
    default:
      throw new TypeError(
        `overflow must be "pause", "latest", "end" or { policy: "dropOldest", maxBuffered }, got ${show(option)}`,
      );
  }
}

function define<
  TKind extends ProcedureKind,
  TInput extends Schema | undefined,
  TOutput extends Schema | undefined,
  TErrors extends ErrorMap,
>(
  internals: Omit<ProcedureInternals<TKind, TInput, TOutput, TErrors>, 'errors'> & { readonly errors: TErrors | undefined },
): Procedure<TKind, TInput, TOutput, TErrors> {
  const errors = internals.errors ?? ({} as TErrors);
  checkErrors(errors);
  // Contracts may come from plain JavaScript: check what the types cannot.
  const policy: unknown = internals.onConnectionLost;
  if (policy !== 'retry' && policy !== 'fail') {
    throw new TypeError(`onConnectionLost must be "retry" or "fail", got ${JSON.stringify(policy)}`);
  }
  return Object.freeze({ '~rpc': Object.freeze({ ...internals, errors }) });
}

/**
 * Declares a query: a read without side effects, safe to retry.
 *
 * @example
 * const greet = query({ input: z.object({ name: z.string() }), output: z.string() });
 */
export function query<
  TInput extends Schema | undefined = undefined,
  TOutput extends Schema | undefined = undefined,
  TErrors extends ErrorMap = NoErrors,
>(options: CallProcedureOptions<TInput, TOutput, TErrors> = {}): Procedure<'query', TInput, TOutput, TErrors> {
  return defineCall('query', options);
}

function defineCall<
  TKind extends 'query' | 'mutation',
  TInput extends Schema | undefined,
  TOutput extends Schema | undefined,
  TErrors extends ErrorMap,
>(kind: TKind, options: CallProcedureOptions<TInput, TOutput, TErrors>): Procedure<TKind, TInput, TOutput, TErrors> {
  return define({
    kind,
    input: options.input as TInput,
    output: options.output as TOutput,
    errors: options.errors,
    resumable: false,
    onConnectionLost: options.onConnectionLost ?? 'retry',
    overflow: PAUSE,
  });
}

/**
 * Declares a mutation: a call with side effects. Omit `output` for mutations
 * that return nothing. By default a mutation interrupted by a dropped connection
 * is retried and runs once (see `onConnectionLost`).
 */
export function mutation<
  TInput extends Schema | undefined = undefined,
  TOutput extends Schema | undefined = undefined,
  TErrors extends ErrorMap = NoErrors,
>(options: CallProcedureOptions<TInput, TOutput, TErrors> = {}): Procedure<'mutation', TInput, TOutput, TErrors> {
  return defineCall('mutation', options);
}

/**
 * Declares a subscription: a stream of events, each validated by `event`.
 *
 * @example
 * const messages = subscription({ input: z.object({ room: z.string() }), event: Message });
 */
export function subscription<
  TEvent extends Schema,
  TInput extends Schema | undefined = undefined,
  TErrors extends ErrorMap = NoErrors,
>(options: SubscriptionProcedureOptions<TInput, TEvent, TErrors>): Procedure<'subscription', TInput, TEvent, TErrors> {
  return define({
    kind: 'subscription',
    input: options.input as TInput,
    output: options.event,
    errors: options.errors,
    resumable: options.resumable ?? false,
    onConnectionLost: 'retry',
    overflow: options.overflow === undefined ? PAUSE : parseOverflow(options.overflow),
  });
}

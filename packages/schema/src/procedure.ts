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
}

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

function define<
  TKind extends ProcedureKind,
  TInput extends Schema | undefined,
  TOutput extends Schema | undefined,
  TErrors extends ErrorMap,
>(kind: TKind, input: TInput, output: TOutput, errors: TErrors): Procedure<TKind, TInput, TOutput, TErrors> {
  checkErrors(errors);
  return Object.freeze({ '~rpc': Object.freeze({ kind, input, output, errors }) });
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
>(options: ProcedureOptions<TInput, TErrors> & { output?: TOutput } = {}): Procedure<'query', TInput, TOutput, TErrors> {
  return define('query', options.input as TInput, options.output as TOutput, options.errors ?? ({} as TErrors));
}

/**
 * Declares a mutation: a call with side effects. Omit `output` for mutations
 * that return nothing.
 */
export function mutation<
  TInput extends Schema | undefined = undefined,
  TOutput extends Schema | undefined = undefined,
  TErrors extends ErrorMap = NoErrors,
>(
  options: ProcedureOptions<TInput, TErrors> & { output?: TOutput } = {},
): Procedure<'mutation', TInput, TOutput, TErrors> {
  return define('mutation', options.input as TInput, options.output as TOutput, options.errors ?? ({} as TErrors));
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
>(options: ProcedureOptions<TInput, TErrors> & { event: TEvent }): Procedure<'subscription', TInput, TEvent, TErrors> {
  return define('subscription', options.input as TInput, options.event, options.errors ?? ({} as TErrors));
}

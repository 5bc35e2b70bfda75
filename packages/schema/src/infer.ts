import type { z } from 'zod';

import type { ErrorMap, Procedure, Schema } from './procedure.js';
import type { BuiltinRpcError, RpcError } from './rpc-error.js';

type InputOf<TSchema> = TSchema extends Schema ? z.input<TSchema> : undefined;
type OutputOf<TSchema> = TSchema extends Schema ? z.output<TSchema> : undefined;

/** What a client passes as input (the schema's input type; `undefined` when there is none). */
export type InferInput<TProcedure extends Procedure> = InputOf<TProcedure['~rpc']['input']>;

/** What the handler receives as input, after validation and transforms. */
export type InferParsedInput<TProcedure extends Procedure> = OutputOf<TProcedure['~rpc']['input']>;

/** What a client receives from a query or mutation (`undefined` when it declares no output). */
export type InferOutput<TProcedure extends Procedure> = OutputOf<TProcedure['~rpc']['output']>;

/** What a handler returns, before output validation and transforms. */
export type InferHandlerOutput<TProcedure extends Procedure> = TProcedure['~rpc']['output'] extends Schema
  ? z.input<TProcedure['~rpc']['output']>
  : // `void`, not `undefined`: a handler of a procedure without output may be any function that returns nothing.
    // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
    void;

/** One event of a subscription, as the client receives it. */
export type InferEvent<TProcedure extends Procedure> = OutputOf<TProcedure['~rpc']['output']>;

/** One event of a subscription, as the handler yields it. */
export type InferHandlerEvent<TProcedure extends Procedure> = InputOf<TProcedure['~rpc']['output']>;

/** The errors a procedure declares, one `RpcError` type per code with its typed data. */
export type InferDeclaredError<TProcedure extends Procedure> = DeclaredErrors<TProcedure['~rpc']['errors']>;

type DeclaredErrors<TErrors extends ErrorMap> = {
  [TCode in keyof TErrors & string]: RpcError<TCode, z.output<TErrors[TCode]>>;
}[keyof TErrors & string];

/**
 * Every error a call to this procedure can fail with: the built-in codes and the
 * declared ones. Narrow it with `switch (error.code)`.
 */
export type InferError<TProcedure extends Procedure> = BuiltinRpcError | InferDeclaredError<TProcedure>;

/**
 * Arguments of a call to `TProcedure`: the input (optional when the procedure
 * takes none or accepts `undefined`) followed by per-call options.
 */
export type ProcedureArgs<TProcedure extends Procedure, TOptions> =
  undefined extends InferInput<TProcedure>
    ? [input?: InferInput<TProcedure>, options?: TOptions]
    : [input: InferInput<TProcedure>, options?: TOptions];

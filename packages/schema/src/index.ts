/**
 * Contracts for Wirecall: declare procedures once with zod, share them between
 * server and client. Pure data, safe in browser bundles.
 * @module
 */

/** Contracts */
export { defineContract, isProcedure, listProcedures, mapContract, type Contract } from './contract.js';

/** Procedures */
export {
  query,
  mutation,
  subscription,
  type Procedure,
  type AnyProcedure,
  type ProcedureKind,
  type ProcedureInternals,
  type ProcedureOptions,
  type CallProcedureOptions,
  type SubscriptionProcedureOptions,
  type ConnectionLostPolicy,
  type OverflowPolicy,
  type OverflowOption,
  type ErrorMap,
  type NoErrors,
  type Schema,
} from './procedure.js';

/** Errors */
export { RpcError, isRpcError, type RpcErrorOptions, type BuiltinRpcError, type ValidationIssue } from './rpc-error.js';
export { RpcErrorCode } from './protocol/error-codes.js';
export { isProcedureError } from './procedure-error.js';

/** Type helpers */
export type {
  InferInput,
  InferParsedInput,
  InferOutput,
  InferHandlerOutput,
  InferEvent,
  InferHandlerEvent,
  InferDeclaredError,
  InferError,
  ProcedureArgs,
} from './infer.js';

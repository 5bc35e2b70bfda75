import { isBuiltinErrorCode, RpcErrorCode } from '@wirecall/schema/protocol';
import { isRpcError, RpcError, type Schema } from '@wirecall/schema';

import type { Logger } from './logger.js';
import type { ProcedureEntry } from './procedure-table.js';

/** Codes that describe the caller's side (its signal, its socket): a handler throwing one is a bug, e.g. a leaked downstream error. */
const CLIENT_ONLY_CODES: ReadonlySet<string> = new Set([RpcErrorCode.Cancelled, RpcErrorCode.ConnectionLost]);

function internal(cause: unknown): RpcError {
  return new RpcError(RpcErrorCode.InternalServerError, 'Internal server error', { cause });
}

function safeParseSync(schema: Schema, value: unknown): { success: true; data: unknown } | { success: false; error: unknown } {
  try {
    return schema.safeParse(value);
  } catch (error) {
    // Error data schemas with async refinements cannot be checked here.
    return { success: false, error };
  }
}

/**
 * Turns anything a handler threw into an error that is safe to send: built-in
 * codes pass through; declared codes pass when their data matches the contract;
 * everything else becomes `INTERNAL_SERVER_ERROR`, logged with the original and
 * sent without its message or stack.
 */
export function normalizeError(error: unknown, entry: ProcedureEntry, logger: Logger): RpcError {
  if (isRpcError(error)) {
    if (CLIENT_ONLY_CODES.has(error.code)) {
      logger.error(`handler of "${entry.path}" threw ${error.code}, a code only clients produce`, { path: entry.path, error });
      return internal(error);
    }
    if (isBuiltinErrorCode(error.code)) return error;
    const schema = entry.procedure['~rpc'].errors[error.code];
    if (schema === undefined) {
      logger.error(`handler threw error code "${error.code}" that "${entry.path}" does not declare`, {
        path: entry.path,
        error,
      });
      return internal(error);
    }
    const parsed = safeParseSync(schema, error.data);
    if (parsed.success) return new RpcError(error.code, error.message, { data: parsed.data, cause: error });
    logger.error(`data of error "${error.code}" does not match the contract of "${entry.path}"`, {
      path: entry.path,
      error: parsed.error,
    });
    return internal(error);
  }
  logger.error(`handler of "${entry.path}" failed`, { path: entry.path, error });
  return internal(error);
}

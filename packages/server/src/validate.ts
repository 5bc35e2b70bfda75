import { RpcError, RpcErrorCode, type Schema, type ValidationIssue } from '@wirecall/schema';
import { z } from 'zod';

/** Most validation issues returned to a client; the rest are counted in `data.truncated`. */
export const MAX_RETURNED_ISSUES = 20;

type ParseResult = { success: true; data: unknown } | { success: false; error: z.ZodError };

/** A value now, or later: validation is synchronous unless a schema has async refinements. */
export type MaybePromise<T> = T | Promise<T>;

/** Whether a value is a promise (or any thenable) to wait for. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Parses synchronously, falling back to async parsing only for schemas with async refinements. */
function safeParse(schema: Schema, value: unknown): MaybePromise<ParseResult> {
  try {
    return schema.safeParse(value);
  } catch (error) {
    if (error instanceof z.core.$ZodAsyncError) return schema.safeParseAsync(value);
    throw error;
  }
}

/** Applies `then` to a result now, or once it arrives: no promise and no microtask when parsing was synchronous. */
function settle(result: MaybePromise<ParseResult>, then: (result: ParseResult) => unknown): MaybePromise<unknown> {
  return isPromiseLike(result) ? result.then(then) : then(result);
}

function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.slice(0, MAX_RETURNED_ISSUES).map((issue) => ({
    code: issue.code,
    path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
    message: issue.message,
  }));
}

function inputResult(result: ParseResult): unknown {
  if (result.success) return result.data;
  const { issues } = result.error;
  const truncated = issues.length - MAX_RETURNED_ISSUES;
  throw new RpcError(RpcErrorCode.BadRequest, 'input failed validation', {
    data: truncated > 0 ? { issues: toIssues(result.error), truncated } : { issues: toIssues(result.error) },
  });
}

/**
 * Validates a client's input; failures become `BAD_REQUEST` carrying the
 * (bounded) zod issues. Synchronous (it throws) unless the schema is async.
 */
export function parseInput(schema: Schema | undefined, value: unknown): MaybePromise<unknown> {
  if (schema === undefined) {
    if (value === undefined) return undefined;
    throw new RpcError(RpcErrorCode.BadRequest, 'this procedure takes no input');
  }
  return settle(safeParse(schema, value), inputResult);
}

/** Thrown when a handler returns or yields a value that breaks the contract; never shown to clients. */
export class OutputValidationError extends Error {
  override readonly name = 'OutputValidationError';
}

/** Validates what a handler produced against the contract. Synchronous (it throws) unless the schema is async. */
export function parseOutput(schema: Schema | undefined, value: unknown, path: string): MaybePromise<unknown> {
  if (schema === undefined) return undefined;
  return settle(safeParse(schema, value), (result) => {
    if (result.success) return result.data;
    throw new OutputValidationError(`handler of "${path}" produced a value that does not match the contract`, {
      cause: result.error,
    });
  });
}

import { RpcError, RpcErrorCode, type Schema, type ValidationIssue } from '@wirecall/schema';
import { z } from 'zod';

/** Most validation issues returned to a client; the rest are counted in `data.truncated`. */
export const MAX_RETURNED_ISSUES = 20;

type ParseResult = { success: true; data: unknown } | { success: false; error: z.ZodError };

/** Parses synchronously, falling back to async parsing only for schemas with async refinements. */
async function safeParse(schema: Schema, value: unknown): Promise<ParseResult> {
  try {
    return schema.safeParse(value);
  } catch (error) {
    if (error instanceof z.core.$ZodAsyncError) return schema.safeParseAsync(value);
    throw error;
  }
}

function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.slice(0, MAX_RETURNED_ISSUES).map((issue) => ({
    code: issue.code,
    path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
    message: issue.message,
  }));
}

/** Validates a client's input; failures become `BAD_REQUEST` carrying the (bounded) zod issues. */
export async function parseInput(schema: Schema | undefined, value: unknown): Promise<unknown> {
  if (schema === undefined) {
    if (value === undefined) return undefined;
    throw new RpcError(RpcErrorCode.BadRequest, 'this procedure takes no input');
  }
  const result = await safeParse(schema, value);
  if (result.success) return result.data;
  const { issues } = result.error;
  const truncated = issues.length - MAX_RETURNED_ISSUES;
  throw new RpcError(RpcErrorCode.BadRequest, 'input failed validation', {
    data: truncated > 0 ? { issues: toIssues(result.error), truncated } : { issues: toIssues(result.error) },
  });
}

/** Thrown when a handler returns or yields a value that breaks the contract; never shown to clients. */
export class OutputValidationError extends Error {
  override readonly name = 'OutputValidationError';
}

/** Validates what a handler produced against the contract. */
export async function parseOutput(schema: Schema | undefined, value: unknown, path: string): Promise<unknown> {
  if (schema === undefined) return undefined;
  const result = await safeParse(schema, value);
  if (result.success) return result.data;
  throw new OutputValidationError(`handler of "${path}" produced a value that does not match the contract`, {
    cause: result.error,
  });
}

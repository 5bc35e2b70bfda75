import type { BuiltinRpcError } from '@wirecall/schema';

/** Turns an error of a call into a sentence for the user: validation issues by field, the rest by code. */
export function describeError(error: BuiltinRpcError): string {
  if (error.code === 'BAD_REQUEST') {
    const issues = error.data?.issues ?? [];
    if (issues.length === 0) return error.message;
    return issues.map((issue) => `${issue.path.map(String).join('.') || 'input'}: ${issue.message}`).join('; ');
  }
  if (error.code === 'CONNECTION_LOST') return 'The connection dropped before the server answered; try again.';
  if (error.code === 'UNAVAILABLE') return 'The server is restarting; try again in a moment.';
  return `${error.code}: ${error.message}`;
}

import type { InferError } from './infer.js';
import type { Procedure } from './procedure.js';
import { isBuiltinErrorCode } from './protocol/error-codes.js';
import { isRpcError } from './rpc-error.js';

/**
 * Narrows a caught value to the errors `procedure` can fail with: a built-in
 * code or one it declares. Then `switch (error.code)` gives typed `data`.
 *
 * @example
 * try { await client.rooms.join.mutate({ room }) }
 * catch (error) {
 *   if (isProcedureError(api.rooms.join, error) && error.code === 'ROOM_FULL') show(error.data.capacity);
 * }
 */
export function isProcedureError<TProcedure extends Procedure>(
  procedure: TProcedure,
  error: unknown,
): error is InferError<TProcedure> {
  return isRpcError(error) && (isBuiltinErrorCode(error.code) || Object.hasOwn(procedure['~rpc'].errors, error.code));
}

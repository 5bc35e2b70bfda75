import type { RpcErrorCode } from './protocol/error-codes.js';
import type { WireError } from './protocol/messages.js';

/** Options of the `RpcError` constructor. */
export interface RpcErrorOptions<TData> {
  /** Data sent to the client with the error; typed for errors a contract declares. */
  data?: TData;
  /** The underlying error. Stays on the server; never serialized. */
  cause?: unknown;
}

/**
 * The one error class of Wirecall. Handlers throw it to send a chosen `code`;
 * clients receive every failure as an instance of it.
 *
 * `code` is a stable string: one of {@link RpcErrorCode} or a code the contract
 * declares for the procedure. `data` carries structured details (the zod issues
 * for `BAD_REQUEST`, the declared data for contract errors).
 */
export class RpcError<TCode extends string = string, TData = unknown> extends Error {
  override readonly name = 'RpcError';
  readonly code: TCode;
  readonly data: TData;

  constructor(code: TCode, message?: string, options: RpcErrorOptions<TData> = {}) {
    super(message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data as TData;
  }

  /** The wire form of this error; never includes `cause` or the stack. */
  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  /** Rebuilds an error received from the wire. */
  static fromWire(wire: WireError): RpcError {
    return new RpcError(wire.code, wire.message, { data: wire.data });
  }
}

/** Whether `value` is an `RpcError` (works across copies of the package). */
export function isRpcError(value: unknown): value is RpcError {
  return (
    value instanceof RpcError ||
    (value instanceof Error && value.name === 'RpcError' && typeof (value as { code?: unknown }).code === 'string')
  );
}

/** A built-in error as the client sees it; `BAD_REQUEST` carries the validation issues. */
export type BuiltinRpcError =
  | RpcError<typeof RpcErrorCode.BadRequest, { issues: ValidationIssue[]; truncated?: number } | undefined>
  | RpcError<Exclude<RpcErrorCode, typeof RpcErrorCode.BadRequest>>;

/** One validation problem in a `BAD_REQUEST` error's data. */
export interface ValidationIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

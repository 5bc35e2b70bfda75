/**
 * Error codes carried by `error` messages. Stable wire strings: adding one is a
 * minor protocol change, renaming or removing one is a breaking change.
 *
 * Each entry documents who produces it; PROTOCOL.md has the same table and
 * `spec-sync.test.ts` keeps the two identical.
 */
export const RpcErrorCode = {
  /** The input failed validation, or the message was malformed but carried an id. */
  BadRequest: 'BAD_REQUEST',
  /** The caller is not authenticated. Thrown by handlers or the context factory. */
  Unauthorized: 'UNAUTHORIZED',
  /** The caller is authenticated but not allowed to do this. */
  Forbidden: 'FORBIDDEN',
  /** No procedure exists at the requested path. */
  NotFound: 'NOT_FOUND',
  /** The procedure exists but is of another kind (e.g. `subscribe` on a query). */
  MethodNotSupported: 'METHOD_NOT_SUPPORTED',
  /** The id is already used by a live request on this connection. */
  Conflict: 'CONFLICT',
  /** The call's deadline (`timeoutMs`) passed before it finished. */
  Timeout: 'TIMEOUT',
  /** The caller cancelled the call (client side only; never sent by the server). */
  Cancelled: 'CANCELLED',
  /** The request is larger than a limit the server enforces. */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** A rate or concurrency limit was hit. */
  TooManyRequests: 'TOO_MANY_REQUESTS',
  /** The connection closed before the call finished (client side only). */
  ConnectionLost: 'CONNECTION_LOST',
  /**
   * A mutation was interrupted by a dropped connection and, on retry, the server
   * could no longer tell whether it ran: its session or its record expired, or
   * the server restarted. It may or may not have taken effect.
   */
  OutcomeUnknown: 'OUTCOME_UNKNOWN',
  /**
   * A subscription whose contract declares `overflow: 'end'` fell behind (its
   * connection's outgoing buffer passed the high-water mark), or the client's
   * own buffer of unread events of a subscription overflowed.
   */
  SlowConsumer: 'SLOW_CONSUMER',
  /** The server is shutting down and accepts no new calls. */
  Unavailable: 'UNAVAILABLE',
  /** An unexpected failure in the server. Details never leave the server. */
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;

/** One of the built-in error codes. */
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

const builtinCodes: ReadonlySet<string> = new Set(Object.values(RpcErrorCode));

/** Whether `code` is one of the built-in codes (as opposed to one a contract declares). */
export function isBuiltinErrorCode(code: string): code is RpcErrorCode {
  return builtinCodes.has(code);
}

import { isRpcError, RpcError, RpcErrorCode } from '@wirecall/schema';

/** Thrown by a hook used outside the `<Provider>` of its `createWirecallReact` result. */
export class MissingProviderError extends Error {
  override readonly name = 'MissingProviderError';
}

/**
 * The `RpcError` for anything a call rejected with. The client rejects with
 * `RpcError` only; this guards against a callback or codec that throws something else.
 */
export function toRpcError(error: unknown): RpcError {
  if (isRpcError(error)) return error;
  return new RpcError(RpcErrorCode.InternalServerError, error instanceof Error ? error.message : 'unexpected error', {
    cause: error,
  });
}

/** The error a fetch ends with when a newer one, an input change or an unmount superseded it. */
export function superseded(): RpcError {
  return new RpcError(RpcErrorCode.Cancelled, 'the fetch was superseded');
}

/**
 * Runs a user callback (`onData`, `onSuccess`…). An error it throws is rethrown
 * in a microtask, so it surfaces as an uncaught error (as one thrown by an event
 * handler would) instead of breaking the client's message dispatch or changing
 * the outcome of a mutation.
 */
export function invokeCallback<TArgs extends unknown[]>(callback: ((...args: TArgs) => void) | undefined, ...args: TArgs): void {
  if (callback === undefined) return;
  try {
    callback(...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

import type { CallOptions } from '@wirecall/client';
import type { Procedure, RpcError } from '@wirecall/schema';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { invokeCallback, toRpcError } from './errors.js';
import type { UseMutationOptions, UseMutationResult } from './react-types.js';
import { useLatest } from './use-latest.js';

/** A mutate function of the client proxy, untyped. */
export type MutateFunction = (input: unknown, options?: CallOptions) => Promise<unknown>;

type MutationState =
  | { readonly status: 'idle' | 'pending'; readonly data: undefined; readonly error: undefined }
  | { readonly status: 'success'; readonly data: unknown; readonly error: undefined }
  | { readonly status: 'error'; readonly data: undefined; readonly error: RpcError };

const IDLE: MutationState = { status: 'idle', data: undefined, error: undefined };
const PENDING: MutationState = { status: 'pending', data: undefined, error: undefined };

/**
 * Implements `useMutation` for one procedure. A counter numbers the calls: only
 * the latest one (since the last `reset`) writes the state. Mutations are not
 * aborted on unmount: they have side effects the user asked for.
 */
export function useMutationImpl(
  mutate: MutateFunction,
  options: UseMutationOptions<unknown, unknown, RpcError> = {},
): UseMutationResult<Procedure> {
  const [state, setState] = useState<MutationState>(IDLE);
  const latest = useLatest({ mutate, options });
  const run = useRef({ last: 0, mounted: false });

  useEffect(() => {
    const current = run.current;
    current.mounted = true;
    return () => {
      current.mounted = false;
    };
  }, []);

  const mutateAsync = useCallback(
    async (input?: unknown, callOptions: CallOptions = {}): Promise<unknown> => {
      const current = run.current;
      current.last += 1;
      const id = current.last;
      const { mutate: call, options: hookOptions } = latest.current;
      const isLatest = (): boolean => current.mounted && current.last === id;
      setState(PENDING);
      const merged: CallOptions = {
        ...(hookOptions.timeoutMs === undefined ? {} : { timeoutMs: hookOptions.timeoutMs }),
        ...(hookOptions.meta === undefined ? {} : { meta: hookOptions.meta }),
        ...callOptions,
      };
      let data: unknown;
      try {
        data = await call(input, merged);
      } catch (reason) {
        const error = toRpcError(reason);
        if (isLatest()) setState({ status: 'error', data: undefined, error });
        if (current.mounted) invokeCallback(latest.current.options.onError, error, input);
        throw error;
      }
      if (isLatest()) setState({ status: 'success', data, error: undefined });
      if (current.mounted) invokeCallback(latest.current.options.onSuccess, data, input);
      return data;
    },
    [latest],
  );

  const mutateVoid = useCallback(
    (input?: unknown, callOptions?: CallOptions): void => {
      // The error is in the state and went to `onError`: nothing is left unhandled.
      mutateAsync(input, callOptions).catch(() => undefined);
    },
    [mutateAsync],
  );

  const reset = useCallback(() => {
    run.current.last += 1;
    setState(IDLE);
  }, []);

  return useMemo(
    () => ({ ...state, mutate: mutateVoid, mutateAsync, reset }),
    [state, mutateVoid, mutateAsync, reset],
  );
}

import type { CallOptions, ClientControls } from '@wirecall/client';
import type { RpcError } from '@wirecall/schema';
import { useCallback, useEffect, useRef, useState } from 'react';

import { superseded, toRpcError } from './errors.js';
import type { QuerySettledResult, UseQueryOptions, UseQueryResult } from './react-types.js';
import { stableKey } from './stable-key.js';
import { useLatest } from './use-latest.js';

/** A query function of the client proxy, untyped. */
export type QueryFunction = (input: unknown, options?: CallOptions) => Promise<unknown>;

type Settled = QuerySettledResult<unknown, RpcError>;

/** What `useQuery` remembers for one input key. */
interface QueryState {
  readonly key: string;
  readonly status: 'pending' | 'success' | 'error';
  readonly data: unknown;
  readonly error: RpcError | undefined;
  readonly isFetching: boolean;
}

function initialState(key: string, isFetching: boolean): QueryState {
  return { key, status: 'pending', data: undefined, error: undefined, isFetching };
}

/** The fetch in flight, and whether the hook is mounted: mutable, outside React state. */
interface Fetcher {
  controller: AbortController | undefined;
  mounted: boolean;
}

/**
 * Implements `useQuery` for one procedure of `client`. Each fetch gets its own
 * `AbortController`; only the latest one may write the state, so a stale answer
 * that crosses a newer fetch is dropped.
 */
export function useQueryImpl(
  client: ClientControls,
  query: QueryFunction,
  input: unknown,
  options: UseQueryOptions = {},
): UseQueryResult<unknown, RpcError> {
  const { enabled = true, refetchOnReconnect = true } = options;
  const key = stableKey(input);
  const [state, setState] = useState<QueryState>(() => initialState(key, enabled));
  const latest = useLatest({ input, key, options, query });
  const fetcher = useRef<Fetcher>({ controller: undefined, mounted: false });

  const start = useCallback((): Promise<Settled> => {
    const current = fetcher.current;
    if (!current.mounted) return Promise.resolve({ status: 'error', data: undefined, error: superseded() });
    const { input: fetchInput, key: fetchKey, options: fetchOptions, query: fetchQuery } = latest.current;
    current.controller?.abort();
    const controller = new AbortController();
    current.controller = controller;
    setState((previous) =>
      previous.key !== fetchKey ? initialState(fetchKey, true) : previous.isFetching ? previous : { ...previous, isFetching: true },
    );
    const callOptions: CallOptions = {
      signal: controller.signal,
      ...(fetchOptions.timeoutMs === undefined ? {} : { timeoutMs: fetchOptions.timeoutMs }),
      ...(fetchOptions.meta === undefined ? {} : { meta: fetchOptions.meta }),
    };
    const isLatest = (): boolean => current.controller === controller;
    return fetchQuery(fetchInput, callOptions).then(
      (data): Settled => {
        if (isLatest()) {
          current.controller = undefined;
          setState({ key: fetchKey, status: 'success', data, error: undefined, isFetching: false });
        }
        return { status: 'success', data, error: undefined };
      },
      (reason: unknown): Settled => {
        const error = toRpcError(reason);
        if (isLatest()) {
          current.controller = undefined;
          setState((previous) => ({
            key: fetchKey,
            status: 'error',
            data: previous.key === fetchKey ? previous.data : undefined,
            error,
            isFetching: false,
          }));
        }
        return { status: 'error', data: undefined, error };
      },
    );
  }, [latest]);

  useEffect(() => {
    const current = fetcher.current;
    current.mounted = true;
    return () => {
      current.mounted = false;
      // A `refetch()` of a disabled query is not covered by the effect below.
      current.controller?.abort();
      current.controller = undefined;
    };
  }, []);

  // Fetches whenever the input's content changes (or the hook is enabled), and aborts on the way out.
  useEffect(() => {
    if (!enabled) return undefined;
    void start();
    const current = fetcher.current;
    return () => {
      current.controller?.abort();
      current.controller = undefined;
      setState((previous) => (previous.isFetching ? { ...previous, isFetching: false } : previous));
    };
  }, [client, query, key, enabled, start]);

  useEffect(() => {
    if (!enabled || !refetchOnReconnect) return undefined;
    let wasDisconnected = client.$state === 'reconnecting';
    return client.$onStateChange((next) => {
      if (next === 'reconnecting') wasDisconnected = true;
      if (next === 'open' && wasDisconnected) {
        wasDisconnected = false;
        void start();
      }
    });
  }, [client, enabled, refetchOnReconnect, start]);

  // Before the effect of a new input has run, show that input's initial state, never the old input's data.
  const shown = state.key === key ? state : initialState(key, enabled);
  return { ...shown, refetch: start } as UseQueryResult<unknown, RpcError>;
}

import type { CallOptions, Client, ConnectionStatus, SubscriptionGap } from '@wirecall/client';
import type { Contract, InferError, InferEvent, InferInput, InferOutput, Procedure, ProcedureArgs } from '@wirecall/schema';
import type { ReactElement, ReactNode } from 'react';

/** Options of `useQuery`. */
export interface UseQueryOptions {
  /**
   * Whether the hook fetches. While `false`, nothing is sent and the result
   * keeps what it had (a query that never ran stays `pending`, not fetching);
   * `refetch()` still works.
   * @default true
   */
  enabled?: boolean;
  /** Deadline of each fetch: it fails with `TIMEOUT` (the server aborts the handler too). */
  timeoutMs?: number;
  /** Per-call metadata for the server's call context. Changing it does not refetch; the next fetch uses it. */
  meta?: Readonly<Record<string, string>>;
  /**
   * Fetches again when the client reconnects after losing its connection, so
   * the data catches up with what changed meanwhile.
   * @default true
   */
  refetchOnReconnect?: boolean;
}

/** How one fetch of a query ended; what `refetch()` resolves with. */
export type QuerySettledResult<TData, TError> =
  | { readonly status: 'success'; readonly data: TData; readonly error: undefined }
  | { readonly status: 'error'; readonly data: undefined; readonly error: TError };

/** What every state of `useQuery` carries besides its data. */
interface QueryResultBase<TData, TError> {
  /** Whether a fetch is in flight (the first one, a refetch, or one after a reconnect). */
  readonly isFetching: boolean;
  /**
   * Fetches again with the current input, cancelling a fetch in flight.
   * Never rejects: resolves with how this fetch ended (`CANCELLED` when a newer
   * fetch, an input change or an unmount superseded it).
   */
  readonly refetch: () => Promise<QuerySettledResult<TData, TError>>;
}

/**
 * State of `useQuery`, narrowed by `status`: `pending` until the first answer
 * for the current input, then `success` or `error`. After an error, `data` keeps
 * the last successful answer for this input, if any.
 */
export type UseQueryResult<TData, TError> = QueryResultBase<TData, TError> &
  (
    | { readonly status: 'pending'; readonly data: undefined; readonly error: undefined }
    | { readonly status: 'success'; readonly data: TData; readonly error: undefined }
    | { readonly status: 'error'; readonly data: TData | undefined; readonly error: TError }
  );

/** Options of `useMutation`. */
export interface UseMutationOptions<TInput, TData, TError> {
  /** Called after each mutation of this hook succeeds, while the component is mounted. */
  onSuccess?: (data: TData, input: TInput) => void;
  /** Called after each mutation of this hook fails, while the component is mounted. */
  onError?: (error: TError, input: TInput) => void;
  /** Deadline of each mutation: it fails with `TIMEOUT`. A `timeoutMs` passed to `mutate` wins. */
  timeoutMs?: number;
  /** Per-call metadata for the server's call context. A `meta` passed to `mutate` wins. */
  meta?: Readonly<Record<string, string>>;
}

/** Arguments of `mutate` and `mutateAsync`: the input (optional when the procedure accepts none), then call options. */
export type MutateArgs<TProcedure extends Procedure> = ProcedureArgs<TProcedure, CallOptions>;

/** What every state of `useMutation` carries besides its data. */
interface MutationResultBase<TProcedure extends Procedure> {
  /** Runs the mutation. Its outcome goes to the state and the callbacks; it never rejects. */
  readonly mutate: (...args: MutateArgs<TProcedure>) => void;
  /** Runs the mutation and returns its result; rejects with the `RpcError` (the state is updated too). */
  readonly mutateAsync: (...args: MutateArgs<TProcedure>) => Promise<InferOutput<TProcedure>>;
  /** Goes back to `idle`; the outcome of a mutation in flight is then ignored (it still runs on the server). */
  readonly reset: () => void;
}

/**
 * State of `useMutation`, narrowed by `status`. It describes the latest call of
 * `mutate`/`mutateAsync`; earlier calls still in flight do not change it.
 */
export type UseMutationResult<TProcedure extends Procedure> = MutationResultBase<TProcedure> &
  (
    | { readonly status: 'idle'; readonly data: undefined; readonly error: undefined }
    | { readonly status: 'pending'; readonly data: undefined; readonly error: undefined }
    | { readonly status: 'success'; readonly data: InferOutput<TProcedure>; readonly error: undefined }
    | { readonly status: 'error'; readonly data: undefined; readonly error: InferError<TProcedure> }
  );

/** Options of `useSubscription`. */
export interface UseSubscriptionOptions<TEvent, TError> {
  /**
   * Whether the hook subscribes. Switching it to `false` unsubscribes and the
   * status becomes `idle`.
   * @default true
   */
  enabled?: boolean;
  /** Receives each event, while the component is mounted. */
  onData?: (event: TEvent) => void;
  /** Receives the error that ended the subscription, while the component is mounted. */
  onError?: (error: TError) => void;
  /** Called when the server ends the subscription normally, while the component is mounted. */
  onComplete?: () => void;
  /**
   * How many of the most recent events to keep in `events`, oldest first.
   * `0` keeps none (use `data` or `onData`); `Infinity` keeps all of them.
   * @default 0
   */
  keep?: number;
  /** Ends the subscription with `TIMEOUT` after this long (the server enforces it too). */
  timeoutMs?: number;
  /** Per-request metadata for the server's call context. Changing it does not resubscribe. */
  meta?: Readonly<Record<string, string>>;
  /**
   * Id of the last event already seen, so a resumable handler continues after
   * it (the client then tracks ids across reconnections). Read when the hook
   * subscribes; changing it does not resubscribe.
   */
  lastEventId?: string;
  /** Called when a resumable subscription missed events the server could not replay; refetch a snapshot then. */
  onGap?: (gap: SubscriptionGap) => void;
}

/**
 * Where a subscription of `useSubscription` stands:
 * - `idle`: not subscribed (`enabled: false`);
 * - `connecting`: subscribed, waiting for the client's first connection;
 * - `live`: subscribed on an open connection, events flow;
 * - `reconnecting`: the connection dropped; the client subscribes again when it is back;
 * - `error`: the subscription ended with `error`;
 * - `complete`: the server ended the subscription normally.
 */
export type SubscriptionStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'error' | 'complete';

/** State of `useSubscription`. Data and events start over when the input changes. */
export interface UseSubscriptionResult<TEvent, TError> {
  /** See {@link SubscriptionStatus}. */
  readonly status: SubscriptionStatus;
  /** The latest event, or `undefined` before the first one. */
  readonly data: TEvent | undefined;
  /** The last `keep` events, oldest first; a new array whenever it changes. */
  readonly events: readonly TEvent[];
  /** The error that ended the subscription, while `status` is `error`. */
  readonly error: TError | undefined;
}

/** The hooks of a query. */
export interface QueryHooks<TProcedure extends Procedure> {
  /**
   * Fetches the query and re-renders with its state. Fetches again when the
   * input's content changes (not its identity), aborting the call in flight;
   * aborts it on unmount too. Stale answers are ignored.
   */
  readonly useQuery: (
    ...args: ProcedureArgs<TProcedure, UseQueryOptions>
  ) => UseQueryResult<InferOutput<TProcedure>, InferError<TProcedure>>;
}

/** The hooks of a mutation. */
export interface MutationHooks<TProcedure extends Procedure> {
  /** Returns `mutate`/`mutateAsync` for the mutation and the state of its latest call. */
  readonly useMutation: (
    options?: UseMutationOptions<InferInput<TProcedure>, InferOutput<TProcedure>, InferError<TProcedure>>,
  ) => UseMutationResult<TProcedure>;
}

/** The hooks of a subscription. */
export interface SubscriptionHooks<TProcedure extends Procedure> {
  /**
   * Subscribes while mounted and re-renders on each event. Subscribes again
   * when the input's content changes; unsubscribes on unmount. The status
   * follows the client's connection.
   */
  readonly useSubscription: (
    ...args: ProcedureArgs<TProcedure, UseSubscriptionOptions<InferEvent<TProcedure>, InferError<TProcedure>>>
  ) => UseSubscriptionResult<InferEvent<TProcedure>, InferError<TProcedure>>;
}

/** The hooks of one procedure, by kind. */
export type ReactProcedure<TProcedure extends Procedure> = {
  query: QueryHooks<TProcedure>;
  mutation: MutationHooks<TProcedure>;
  subscription: SubscriptionHooks<TProcedure>;
}[TProcedure['~rpc']['kind']];

/** The hooks of a contract: namespaces nest like the contract, procedures expose their hook. */
export type ReactProxy<TContract extends Contract> = {
  readonly [TKey in keyof TContract]: TContract[TKey] extends Procedure
    ? ReactProcedure<TContract[TKey]>
    : TContract[TKey] extends Contract
      ? ReactProxy<TContract[TKey]>
      : never;
};

/** Props of `<rpc.Provider>`. */
export interface ProviderProps<TContract extends Contract> {
  /** The client the hooks below use, from `createClient(contract, …)`. The provider does not close it. */
  readonly client: Client<TContract>;
  /** The tree whose hooks use `client`. */
  readonly children?: ReactNode;
}

/** The contract-independent members of `createWirecallReact`'s result. */
export interface ReactControls<TContract extends Contract> {
  /** Makes `client` available to the hooks in `children`. */
  readonly Provider: (props: ProviderProps<TContract>) => ReactElement;
  /** Returns the client of the nearest `<Provider>`; throws `MissingProviderError` outside one. */
  readonly useClient: () => Client<TContract>;
  /** Returns the client's connection status, re-rendering on every change (state, attempt, round-trip time…). */
  readonly useConnectionStatus: () => ConnectionStatus;
}

/** Names of `ReactControls`: a contract may not use them at its top level. */
export type ReservedName = keyof ReactControls<Contract>;

/** What `createWirecallReact` returns: the provider, connection hooks, and one hook per procedure. */
export type WirecallReact<TContract extends Contract> = ReactProxy<TContract> & ReactControls<TContract>;

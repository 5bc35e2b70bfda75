import type { Client, ClientControls, ConnectionStatus } from '@wirecall/client';
import { mapContract, type Contract, type RpcError } from '@wirecall/schema';
import { createContext, createElement, useCallback, useContext, useSyncExternalStore, type ReactElement } from 'react';

import { MissingProviderError } from './errors.js';
import type {
  ProviderProps,
  ReservedName,
  UseMutationOptions,
  UseQueryOptions,
  UseSubscriptionOptions,
  WirecallReact,
} from './react-types.js';
import { useMutationImpl, type MutateFunction } from './use-mutation.js';
import { useQueryImpl, type QueryFunction } from './use-query.js';
import { useSubscriptionImpl, type SubscribeFunction } from './use-subscription.js';

const RESERVED_NAMES: ReadonlySet<string> = new Set<ReservedName>(['Provider', 'useClient', 'useConnectionStatus']);

/** The procedure object the client exposes at `path` (`{ query }`, `{ mutate }` or `{ subscribe }`). */
function procedureAt(client: ClientControls, path: readonly string[]): Record<string, unknown> {
  let node: unknown = client;
  for (const name of path) node = (node as Record<string, unknown>)[name];
  return node as Record<string, unknown>;
}

/**
 * Creates the React bindings of `contract`: a `Provider` that hands a client to
 * the hooks below it, `useClient`, `useConnectionStatus`, and one hook per
 * procedure (`useQuery`, `useMutation` or `useSubscription`), typed from the
 * contract. Call it once per contract, at module level.
 *
 * @throws TypeError when the contract has a top-level entry named `Provider`,
 * `useClient` or `useConnectionStatus`.
 */
export function createWirecallReact<TContract extends Contract>(contract: TContract): WirecallReact<TContract> {
  for (const name of Object.keys(contract)) {
    if (RESERVED_NAMES.has(name)) {
      throw new TypeError(`contract key "${name}" is reserved by createWirecallReact; nest it in a namespace`);
    }
  }
  const ClientContext = createContext<Client<TContract> | undefined>(undefined);
  ClientContext.displayName = 'WirecallClient';

  function Provider({ client, children }: ProviderProps<TContract>): ReactElement {
    return createElement(ClientContext.Provider, { value: client }, children);
  }

  function useClient(): Client<TContract> {
    const client = useContext(ClientContext);
    if (client === undefined) throw new MissingProviderError('a Wirecall hook was used outside its <rpc.Provider>');
    return client;
  }

  function useConnectionStatus(): ConnectionStatus {
    const client = useClient();
    // `$status` is a new object on each change and the same one in between, as useSyncExternalStore requires.
    return useSyncExternalStore(
      useCallback((onChange: () => void) => client.$onStatus(onChange), [client]),
      () => client.$status,
      () => client.$status,
    );
  }

  const hooks = mapContract(contract, (dotted, procedure) => {
    const path = dotted.split('.');
    switch (procedure['~rpc'].kind) {
      case 'query':
        return {
          useQuery(input?: unknown, options?: UseQueryOptions) {
            const client = useClient();
            return useQueryImpl(client, procedureAt(client, path).query as QueryFunction, input, options);
          },
        };
      case 'mutation':
        return {
          useMutation(options?: UseMutationOptions<unknown, unknown, RpcError>) {
            return useMutationImpl(procedureAt(useClient(), path).mutate as MutateFunction, options);
          },
        };
      case 'subscription':
        return {
          useSubscription(input?: unknown, options?: UseSubscriptionOptions<unknown, RpcError>) {
            const client = useClient();
            return useSubscriptionImpl(client, procedureAt(client, path).subscribe as SubscribeFunction, input, options);
          },
        };
    }
  });

  return Object.freeze({ ...hooks, Provider, useClient, useConnectionStatus }) as unknown as WirecallReact<TContract>;
}

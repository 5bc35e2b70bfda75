/**
 * Wirecall React bindings: a provider and hooks for queries, mutations,
 * subscriptions and connection state, typed from the contract.
 * @module
 */

/** Bindings */
export { createWirecallReact } from './create-wirecall-react.js';
export type {
  WirecallReact,
  ReactControls,
  ReactProxy,
  ReactProcedure,
  ReservedName,
  ProviderProps,
  QueryHooks,
  MutationHooks,
  SubscriptionHooks,
} from './react-types.js';

/** Queries */
export type { UseQueryOptions, UseQueryResult, QuerySettledResult } from './react-types.js';

/** Mutations */
export type { UseMutationOptions, UseMutationResult, MutateArgs } from './react-types.js';

/** Subscriptions */
export type { UseSubscriptionOptions, UseSubscriptionResult, SubscriptionStatus } from './react-types.js';

/** Input keys */
export { stableKey } from './stable-key.js';

/** Errors */
export { MissingProviderError } from './errors.js';

import type { ClientControls, ClientState, SubscribeOptions, Subscription } from '@wirecall/client';
import type { RpcError } from '@wirecall/schema';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';

import { invokeCallback } from './errors.js';
import type { SubscriptionStatus, UseSubscriptionOptions, UseSubscriptionResult } from './react-types.js';
import { stableKey } from './stable-key.js';
import { useLatest } from './use-latest.js';

/** A subscribe function of the client proxy, untyped. */
export type SubscribeFunction = (input: unknown, options?: SubscribeOptions<unknown, never>) => Subscription<unknown>;

/** Where the subscription itself stands; `active` defers to the connection state. */
type Phase = 'idle' | 'active' | 'error' | 'complete';

interface SubscriptionState {
  /** The input key (and `enabled`) this state belongs to. */
  readonly key: string;
  readonly phase: Phase;
  readonly data: unknown;
  readonly events: readonly unknown[];
  readonly error: RpcError | undefined;
}

const NO_EVENTS: readonly unknown[] = Object.freeze([]);

function initialState(key: string, phase: Phase): SubscriptionState {
  return { key, phase, data: undefined, events: NO_EVENTS, error: undefined };
}

function statusOf(phase: Phase, connection: ClientState): SubscriptionStatus {
  if (phase !== 'active') return phase;
  switch (connection) {
    case 'open':
      return 'live';
    case 'reconnecting':
      return 'reconnecting';
    // 'closed' lasts only until the client fails the subscription with CONNECTION_LOST, in the same task.
    case 'connecting':
    case 'closed':
      return 'connecting';
  }
}

function appendEvent(events: readonly unknown[], event: unknown, keep: number): readonly unknown[] {
  if (!(keep > 0)) return NO_EVENTS;
  const next = events.length >= keep ? events.slice(events.length - keep + 1) : events.slice();
  next.push(event);
  return next;
}

/**
 * Implements `useSubscription` for one procedure of `client`. One client
 * subscription per (client, input key, enabled); its callbacks write the state
 * only while it is the current one, so a late event of an ended subscription is dropped.
 */
export function useSubscriptionImpl(
  client: ClientControls,
  subscribe: SubscribeFunction,
  input: unknown,
  options: UseSubscriptionOptions<unknown, RpcError> = {},
): UseSubscriptionResult<unknown, RpcError> {
  const enabled = options.enabled ?? true;
  const key = `${enabled ? 'on' : 'off'}:${stableKey(input)}`;
  const [state, setState] = useState<SubscriptionState>(() => initialState(key, enabled ? 'active' : 'idle'));
  const latest = useLatest({ input, options });
  const connection = useSyncExternalStore(
    useCallback((onChange: () => void) => client.$onStateChange(onChange), [client]),
    () => client.$state,
    () => client.$state,
  );

  useEffect(() => {
    // Every run of this effect starts a new subscription (or none): start from a clean state, unless it already is one.
    setState((previous) =>
      previous.key === key && previous.phase === (enabled ? 'active' : 'idle') && previous.events.length === 0 && previous.data === undefined
        ? previous
        : initialState(key, enabled ? 'active' : 'idle'),
    );
    if (!enabled) return undefined;
    let current = true;
    const { input: subscribeInput, options: subscribeOptions } = latest.current;
    const subscription = subscribe(subscribeInput, {
      ...(subscribeOptions.timeoutMs === undefined ? {} : { timeoutMs: subscribeOptions.timeoutMs }),
      ...(subscribeOptions.meta === undefined ? {} : { meta: subscribeOptions.meta }),
      ...(subscribeOptions.lastEventId === undefined ? {} : { lastEventId: subscribeOptions.lastEventId }),
      onGap(gap) {
        if (current) invokeCallback(latest.current.options.onGap, gap);
      },
      onData(event) {
        if (!current) return;
        setState((previous) => ({
          ...previous,
          data: event,
          events: appendEvent(previous.events, event, latest.current.options.keep ?? 0),
        }));
        invokeCallback(latest.current.options.onData, event);
      },
      onError(error: RpcError) {
        if (!current) return;
        setState((previous) => ({ ...previous, phase: 'error', error }));
        invokeCallback(latest.current.options.onError, error);
      },
      onComplete() {
        if (!current) return;
        setState((previous) => ({ ...previous, phase: 'complete' }));
        invokeCallback(latest.current.options.onComplete);
      },
    });
    return () => {
      current = false;
      subscription.unsubscribe();
    };
  }, [client, subscribe, key, enabled, latest]);

  // Before the effect of a new input has run, show that input's initial state, never the old input's events.
  const shown = state.key === key ? state : initialState(key, enabled ? 'active' : 'idle');
  return {
    status: statusOf(shown.phase, connection),
    data: shown.data,
    events: shown.events,
    error: shown.error,
  };
}

// @vitest-environment happy-dom
import { cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import type { SubscriptionStatus } from '../src/index.js';
import { rpc, startTodoServer } from './todo-server.js';
import { withClient } from './with-client.js';

afterEach(cleanup);

const todo = (id: number, tag = 'home') => ({ id, tag, title: `todo ${String(id)}` });

describe('useSubscription', () => {
  it('goes live and receives events, keeping the last `keep` of them', async () => {
    const { client, probe, publish } = await startTodoServer();
    const received: unknown[] = [];
    const subscribed = probe.next('subscribed', 'home');
    const { result } = renderHook(
      () => rpc.todos.changes.useSubscription({ tag: 'home' }, { keep: 2, onData: (event) => received.push(event) }),
      { wrapper: withClient(client()) },
    );
    expect(result.current).toMatchObject({ status: 'connecting', data: undefined, events: [], error: undefined });
    await subscribed;
    await waitFor(() => {
      expect(result.current.status).toBe('live');
    });
    publish(todo(10));
    publish(todo(11));
    publish(todo(12));
    await waitFor(() => {
      expect(result.current.data).toEqual(todo(12));
    });
    expect(result.current.events).toEqual([todo(11), todo(12)]);
    expect(received).toEqual([todo(10), todo(11), todo(12)]);
  });

  it('keeps no events by default', async () => {
    const { client, probe, publish } = await startTodoServer();
    const subscribed = probe.next('subscribed', 'home');
    const { result } = renderHook(() => rpc.todos.changes.useSubscription({ tag: 'home' }), {
      wrapper: withClient(client()),
    });
    await subscribed;
    publish(todo(10));
    await waitFor(() => {
      expect(result.current.data).toEqual(todo(10));
    });
    expect(result.current.events).toEqual([]);
  });

  it('unsubscribes on unmount: the server-side generator finishes', async () => {
    const { client, probe } = await startTodoServer();
    const subscribed = probe.next('subscribed', 'home');
    const { unmount } = renderHook(() => rpc.todos.changes.useSubscription({ tag: 'home' }), {
      wrapper: withClient(client()),
    });
    await subscribed;
    expect(probe.live()).toBe(1);
    const finished = probe.next('finally', 'home');
    unmount();
    await finished;
    expect(probe.live()).toBe(0);
  });

  it('subscribes again when the input changes, starting over with data and events', async () => {
    const { client, probe, publish } = await startTodoServer();
    const subscribedHome = probe.next('subscribed', 'home');
    const { result, rerender } = renderHook(
      ({ tag }: { tag: string }) => rpc.todos.changes.useSubscription({ tag }, { keep: 10 }),
      { wrapper: withClient(client()), initialProps: { tag: 'home' } },
    );
    await subscribedHome;
    publish(todo(10));
    await waitFor(() => {
      expect(result.current.events).toEqual([todo(10)]);
    });
    const finishedHome = probe.next('finally', 'home');
    const subscribedWork = probe.next('subscribed', 'work');
    rerender({ tag: 'work' });
    expect(result.current).toMatchObject({ data: undefined, events: [] });
    await Promise.all([finishedHome, subscribedWork]);
    publish(todo(11, 'home'));
    publish(todo(12, 'work'));
    await waitFor(() => {
      expect(result.current.data).toEqual(todo(12, 'work'));
    });
    expect(result.current.events).toEqual([todo(12, 'work')]);
  });

  it('does not subscribe again when a render passes an equal input object', async () => {
    const { client, probe } = await startTodoServer();
    const subscribedHome = probe.next('subscribed', 'home');
    const { rerender } = renderHook(({ tag }: { tag: string }) => rpc.todos.changes.useSubscription({ tag }), {
      wrapper: withClient(client()),
      initialProps: { tag: 'home' },
    });
    await subscribedHome;
    rerender({ tag: 'home' });
    const subscribedWork = probe.next('subscribed', 'work');
    rerender({ tag: 'work' });
    await subscribedWork;
    expect(probe.calls).toEqual(['todos.changes:home', 'todos.changes:work']);
  });

  it('reports reconnecting when the connection drops, then live again with events flowing', async () => {
    const { proxiedClient, probe, publish } = await startTodoServer();
    const { client, proxy } = await proxiedClient();
    const statuses: SubscriptionStatus[] = [];
    const subscribed = probe.next('subscribed', 'home');
    const { result } = renderHook(
      () => {
        const subscription = rpc.todos.changes.useSubscription({ tag: 'home' });
        if (statuses.at(-1) !== subscription.status) statuses.push(subscription.status);
        return subscription;
      },
      { wrapper: withClient(client) },
    );
    await subscribed;
    await waitFor(() => {
      expect(result.current.status).toBe('live');
    });
    const resubscribed = probe.next('subscribed', 'home');
    proxy.dropAll();
    await resubscribed;
    await waitFor(() => {
      expect(result.current.status).toBe('live');
    });
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    publish(todo(10));
    await waitFor(() => {
      expect(result.current.data).toEqual(todo(10));
    });
  });

  it('completes when the server ends the subscription', async () => {
    const { client } = await startTodoServer();
    let completions = 0;
    const { result } = renderHook(
      () => rpc.count.useSubscription({ to: 3 }, { keep: Infinity, onComplete: () => (completions += 1) }),
      { wrapper: withClient(client()) },
    );
    await waitFor(() => {
      expect(result.current.status).toBe('complete');
    });
    expect(result.current).toMatchObject({ data: 3, events: [1, 2, 3], error: undefined });
    expect(completions).toBe(1);
  });

  it('resumes after lastEventId and reports a gap to onGap', async () => {
    const { client, probe } = await startTodoServer();
    const gaps: unknown[] = [];
    const { result } = renderHook(
      () => rpc.feed.useSubscription(undefined, { lastEventId: 'stale', onGap: (gap) => gaps.push(gap) }),
      { wrapper: withClient(client()) },
    );
    await waitFor(() => {
      expect(result.current.status).toBe('complete');
    });
    expect(result.current.data).toBe(7);
    expect(gaps).toEqual([{ reason: 'expired' }]);
    expect(probe.calls).toEqual(['feed:stale']);
  });

  it('ends with error, and calls onError, when the client closes', async () => {
    const { openClient, probe } = await startTodoServer();
    const rpcClient = await openClient();
    const errors: unknown[] = [];
    const subscribed = probe.next('subscribed', 'home');
    const { result } = renderHook(
      () => rpc.todos.changes.useSubscription({ tag: 'home' }, { onError: (error) => errors.push(error) }),
      { wrapper: withClient(rpcClient) },
    );
    await subscribed;
    await rpcClient.$close();
    await waitFor(() => {
      expect(result.current.status).toBe('error');
    });
    expect(result.current.error).toMatchObject({ code: 'CONNECTION_LOST' });
    expect(errors).toEqual([result.current.error]);
  });

  it('stays idle while disabled, subscribes once enabled and unsubscribes once disabled again', async () => {
    const { client, probe } = await startTodoServer();
    const { result, rerender } = renderHook(
      ({ enabled }: { enabled: boolean }) => rpc.todos.changes.useSubscription({ tag: 'home' }, { enabled }),
      { wrapper: withClient(client()), initialProps: { enabled: false } },
    );
    expect(result.current.status).toBe('idle');
    const subscribed = probe.next('subscribed', 'home');
    rerender({ enabled: true });
    await subscribed;
    expect(probe.calls).toEqual(['todos.changes:home']);
    const finished = probe.next('finally', 'home');
    rerender({ enabled: false });
    expect(result.current.status).toBe('idle');
    await finished;
  });

  it('holds one live subscription under StrictMode, which delivers each event once', async () => {
    const { openClient, probe, publish } = await startTodoServer();
    const { result } = renderHook(() => rpc.todos.changes.useSubscription({ tag: 'home' }, { keep: 10 }), {
      wrapper: withClient(await openClient()),
      reactStrictMode: true,
    });
    await waitFor(() => {
      expect(probe.live()).toBeGreaterThan(0);
    });
    publish(todo(10));
    await waitFor(() => {
      expect(result.current.data).toEqual(todo(10));
    });
    // The discarded effect's subscription may reach the server (then it is cancelled in the same batch) or not.
    await waitFor(() => {
      expect(probe.live()).toBe(1);
    });
    expect(result.current).toMatchObject({ status: 'live', events: [todo(10)] });
  });
});

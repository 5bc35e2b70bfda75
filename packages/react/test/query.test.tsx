// @vitest-environment happy-dom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { MissingProviderError } from '../src/index.js';
import { rpc, startTodoServer } from './todo-server.js';
import { withClient } from './with-client.js';

afterEach(cleanup);

describe('useQuery', () => {
  it('goes from pending to success with the data', async () => {
    const { client } = await startTodoServer();
    const { result } = renderHook(() => rpc.todos.list.useQuery({ tag: 'home' }), { wrapper: withClient(client()) });
    expect(result.current).toMatchObject({ status: 'pending', data: undefined, error: undefined, isFetching: true });
    await waitFor(() => {
      expect(result.current.status).toBe('success');
    });
    expect(result.current).toMatchObject({
      data: [{ id: 1, tag: 'home', title: 'water plants' }],
      error: undefined,
      isFetching: false,
    });
  });

  it('goes to error with the RpcError of a failed call', async () => {
    const { client } = await startTodoServer();
    const { result } = renderHook(() => rpc.todos.list.useQuery({ tag: 'forbidden' }), { wrapper: withClient(client()) });
    await waitFor(() => {
      expect(result.current.status).toBe('error');
    });
    expect(result.current.error).toMatchObject({ name: 'RpcError', code: 'FORBIDDEN', message: 'not your list' });
    expect(result.current).toMatchObject({ data: undefined, isFetching: false });
  });

  it('passes timeoutMs to the call: a slow answer ends in TIMEOUT', async () => {
    const { client, probe } = await startTodoServer();
    const aborted = probe.next('abort', 't');
    const { result } = renderHook(() => rpc.hang.useQuery({ id: 't' }, { timeoutMs: 50 }), {
      wrapper: withClient(client()),
    });
    await waitFor(() => {
      expect(result.current.status).toBe('error');
    });
    expect(result.current.error).toMatchObject({ code: 'TIMEOUT' });
    await aborted;
  });

  it('refetches with refetch() and resolves with the outcome', async () => {
    const { client } = await startTodoServer();
    const rpcClient = client();
    const { result } = renderHook(() => rpc.todos.list.useQuery({ tag: 'home' }), { wrapper: withClient(rpcClient) });
    await waitFor(() => {
      expect(result.current.data).toHaveLength(1);
    });
    await rpcClient.todos.add.mutate({ tag: 'home', title: 'feed cat' });
    const outcome = await result.current.refetch();
    expect(outcome).toMatchObject({ status: 'success', data: [{ id: 1 }, { id: 2, title: 'feed cat' }] });
    await waitFor(() => {
      expect(result.current.data).toHaveLength(2);
    });
    expect(result.current).toMatchObject({ status: 'success', isFetching: false });
  });

  it('cancels the fetch in flight on refetch(), whose promise resolves with CANCELLED', async () => {
    const { client, probe } = await startTodoServer();
    const { result } = renderHook(() => rpc.hang.useQuery({ id: 'r' }, { enabled: false }), {
      wrapper: withClient(client()),
    });
    let first: Promise<unknown> = Promise.resolve();
    act(() => {
      first = result.current.refetch();
    });
    await waitFor(() => {
      expect(probe.calls).toEqual(['hang:r']);
    });
    const aborted = probe.next('abort', 'r');
    let second: Promise<unknown> = Promise.resolve();
    act(() => {
      second = result.current.refetch();
    });
    await aborted;
    await expect(first).resolves.toMatchObject({ status: 'error', error: { code: 'CANCELLED' } });
    probe.release('r', 'second answer');
    await expect(second).resolves.toEqual({ status: 'success', data: 'second answer', error: undefined });
    await waitFor(() => {
      expect(result.current).toMatchObject({ status: 'success', data: 'second answer', isFetching: false });
    });
  });

  it('does not refetch when a render passes an equal input object, Dates and key order included', async () => {
    const { client, probe } = await startTodoServer();
    type Input = { tag: string; since: Date };
    const { result, rerender } = renderHook(({ input }: { input: Input }) => rpc.todos.list.useQuery(input), {
      wrapper: withClient(client()),
      initialProps: { input: { tag: 'home', since: new Date(0) } },
    });
    await waitFor(() => {
      expect(result.current.status).toBe('success');
    });
    rerender({ input: { since: new Date(0), tag: 'home' } });
    expect(result.current.status).toBe('success');
    // Calls arrive in order on one socket: a refetch caused by the equal input would come before this one.
    rerender({ input: { tag: 'home', since: new Date(1000) } });
    await waitFor(() => {
      expect(probe.calls).toHaveLength(2);
    });
    expect(probe.calls).toEqual(['todos.list:home@1970-01-01T00:00:00.000Z', 'todos.list:home@1970-01-01T00:00:01.000Z']);
  });

  it('aborts the call in flight when the input changes, and shows only the new answer', async () => {
    const { client, probe } = await startTodoServer();
    const rpcClient = client();
    const { result, rerender } = renderHook(({ id }: { id: string }) => rpc.hang.useQuery({ id }), {
      wrapper: withClient(rpcClient),
      initialProps: { id: 'a' },
    });
    await waitFor(() => {
      expect(probe.calls).toContain('hang:a');
    });
    const aborted = probe.next('abort', 'a');
    rerender({ id: 'b' });
    expect(result.current).toMatchObject({ status: 'pending', data: undefined, isFetching: true });
    await aborted;
    await waitFor(() => {
      expect(probe.calls).toContain('hang:b');
    });
    probe.release('b', 'answer b');
    await waitFor(() => {
      expect(result.current.status).toBe('success');
    });
    expect(result.current.data).toBe('answer b');
  });

  it('aborts the call in flight on unmount', async () => {
    const { client, probe } = await startTodoServer();
    const { unmount } = renderHook(() => rpc.hang.useQuery({ id: 'u' }), { wrapper: withClient(client()) });
    await waitFor(() => {
      expect(probe.calls).toContain('hang:u');
    });
    const aborted = probe.next('abort', 'u');
    unmount();
    await aborted;
  });

  it('aborts on unmount a refetch() of a disabled query, which resolves with CANCELLED', async () => {
    const { client, probe } = await startTodoServer();
    const { result, unmount } = renderHook(() => rpc.hang.useQuery({ id: 'd' }, { enabled: false }), {
      wrapper: withClient(client()),
    });
    let refetched: Promise<unknown> = Promise.resolve();
    act(() => {
      refetched = result.current.refetch();
    });
    expect(result.current.isFetching).toBe(true);
    await waitFor(() => {
      expect(probe.calls).toEqual(['hang:d']);
    });
    const aborted = probe.next('abort', 'd');
    unmount();
    await aborted;
    await expect(refetched).resolves.toMatchObject({ status: 'error', error: { code: 'CANCELLED' } });
  });

  it('does not fetch while disabled, and fetches once enabled', async () => {
    const { client, probe } = await startTodoServer();
    const { result, rerender } = renderHook(
      ({ enabled }: { enabled: boolean }) => rpc.todos.list.useQuery({ tag: 'home' }, { enabled }),
      { wrapper: withClient(client()), initialProps: { enabled: false } },
    );
    expect(result.current).toMatchObject({ status: 'pending', isFetching: false });
    rerender({ enabled: true });
    await waitFor(() => {
      expect(result.current.status).toBe('success');
    });
    expect(probe.calls).toEqual(['todos.list:home']);
  });

  it('settles under StrictMode, where the discarded effect aborts its call', async () => {
    const { openClient, probe } = await startTodoServer();
    const rpcClient = await openClient();
    const { result } = renderHook(() => rpc.hang.useQuery({ id: 's' }), {
      wrapper: withClient(rpcClient),
      reactStrictMode: true,
    });
    await waitFor(() => {
      expect(probe.calls).toContain('hang:s');
    });
    expect(result.current).toMatchObject({ status: 'pending', isFetching: true });
    probe.release('s', 'strict');
    await waitFor(() => {
      expect(result.current.status).toBe('success');
    });
    expect(result.current.data).toBe('strict');
  });

  it('refetches when the client reconnects', async () => {
    const { proxiedClient, probe } = await startTodoServer();
    const { client, proxy } = await proxiedClient();
    const { result } = renderHook(() => rpc.todos.list.useQuery({ tag: 'home' }), { wrapper: withClient(client) });
    await waitFor(() => {
      expect(result.current.status).toBe('success');
    });
    proxy.dropAll();
    await waitFor(() => {
      expect(probe.calls).toEqual(['todos.list:home', 'todos.list:home']);
    });
    await waitFor(() => {
      expect(result.current).toMatchObject({ status: 'success', isFetching: false });
    });
  });

  it('does not refetch on reconnect with refetchOnReconnect: false', async () => {
    const { proxiedClient, probe } = await startTodoServer();
    const { client, proxy } = await proxiedClient();
    const { result } = renderHook(() => rpc.todos.list.useQuery({ tag: 'home' }, { refetchOnReconnect: false }), {
      wrapper: withClient(client),
    });
    await waitFor(() => {
      expect(result.current.status).toBe('success');
    });
    const reconnected = new Promise<void>((resolve) => {
      let dropped = false;
      client.$onStateChange((state) => {
        if (state === 'reconnecting') dropped = true;
        if (state === 'open' && dropped) resolve();
      });
    });
    proxy.dropAll();
    await reconnected;
    // A refetch would be sent right after the reconnection, before this call.
    await client.todos.list.query({ tag: 'work' });
    expect(probe.calls).toEqual(['todos.list:home', 'todos.list:work']);
  });

  it('throws MissingProviderError outside a Provider', () => {
    expect(() => renderHook(() => rpc.todos.list.useQuery({ tag: 'home' }))).toThrow(MissingProviderError);
  });
});

// @vitest-environment happy-dom
import { isProcedureError } from '@wirecall/schema';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { api, rpc, startTodoServer } from './todo-server.js';
import { withClient } from './with-client.js';

afterEach(cleanup);

describe('useMutation', () => {
  it('goes from idle to pending to success, and calls onSuccess with the data and the input', async () => {
    const { openClient } = await startTodoServer();
    const successes: unknown[] = [];
    const { result } = renderHook(
      () => rpc.todos.add.useMutation({ onSuccess: (data, input) => successes.push({ data, input }) }),
      { wrapper: withClient(await openClient()) },
    );
    expect(result.current).toMatchObject({ status: 'idle', data: undefined, error: undefined });
    act(() => {
      result.current.mutate({ tag: 'work', title: 'ship it' });
    });
    expect(result.current.status).toBe('pending');
    await waitFor(() => {
      expect(result.current.status).toBe('success');
    });
    expect(result.current.data).toEqual({ id: 2, tag: 'work', title: 'ship it' });
    expect(successes).toEqual([{ data: { id: 2, tag: 'work', title: 'ship it' }, input: { tag: 'work', title: 'ship it' } }]);
  });

  it('succeeds and calls onSuccess once under StrictMode', async () => {
    const { client, probe } = await startTodoServer();
    const successes: unknown[] = [];
    const { result } = renderHook(() => rpc.todos.add.useMutation({ onSuccess: (data) => successes.push(data) }), {
      wrapper: withClient(client()),
      reactStrictMode: true,
    });
    await act(async () => {
      await result.current.mutateAsync({ tag: 'home', title: 'strict' });
    });
    expect(result.current).toMatchObject({ status: 'success', data: { title: 'strict' } });
    expect(successes).toEqual([{ id: 2, tag: 'home', title: 'strict' }]);
    expect(probe.calls).toEqual(['todos.add:strict']);
  });

  it('puts a declared error in the state and passes it to onError', async () => {
    const { client } = await startTodoServer();
    const errors: unknown[] = [];
    const { result } = renderHook(() => rpc.todos.add.useMutation({ onError: (error) => errors.push(error) }), {
      wrapper: withClient(client()),
    });
    act(() => {
      result.current.mutate({ tag: 'home', title: 'water plants' });
    });
    await waitFor(() => {
      expect(result.current.status).toBe('error');
    });
    const { error } = result.current;
    expect(error).toMatchObject({ code: 'DUPLICATE', message: 'already on the list', data: { title: 'water plants' } });
    expect(isProcedureError(api.todos.add, error)).toBe(true);
    expect(errors).toEqual([error]);
    expect(result.current.data).toBeUndefined();
  });

  it('puts a BAD_REQUEST with the zod issues in the state when the input is invalid', async () => {
    const { client, probe } = await startTodoServer();
    const { result } = renderHook(() => rpc.todos.add.useMutation(), { wrapper: withClient(client()) });
    act(() => {
      result.current.mutate({ tag: 'home', title: '' });
    });
    await waitFor(() => {
      expect(result.current.status).toBe('error');
    });
    expect(result.current.error).toMatchObject({ code: 'BAD_REQUEST', data: { issues: [{ path: ['title'] }] } });
    expect(probe.calls).toEqual([]);
  });

  it('rejects mutateAsync with the error, and updates the state too', async () => {
    const { client } = await startTodoServer();
    const { result } = renderHook(() => rpc.todos.add.useMutation(), { wrapper: withClient(client()) });
    let caught: unknown;
    await act(async () => {
      await result.current.mutateAsync({ tag: 'home', title: 'water plants' }).catch((error: unknown) => {
        caught = error;
      });
    });
    expect(caught).toMatchObject({ code: 'DUPLICATE' });
    expect(result.current).toMatchObject({ status: 'error', error: caught });
    await act(async () => {
      await expect(result.current.mutateAsync({ tag: 'home', title: 'repot fern' })).resolves.toMatchObject({ id: 2 });
    });
    expect(result.current).toMatchObject({ status: 'success', data: { id: 2 }, error: undefined });
  });

  it('goes back to idle on reset, and ignores the outcome of a mutation in flight', async () => {
    const { client, probe } = await startTodoServer();
    const { result } = renderHook(() => rpc.todos.add.useMutation(), { wrapper: withClient(client()) });
    let pending: Promise<unknown> = Promise.resolve();
    act(() => {
      pending = result.current.mutateAsync({ tag: 'home', title: 'vacuum' });
    });
    act(() => {
      result.current.reset();
    });
    await act(async () => {
      await pending;
    });
    expect(probe.calls).toEqual(['todos.add:vacuum']);
    expect(result.current).toMatchObject({ status: 'idle', data: undefined, error: undefined });
  });

  it('shows the state of the latest of two mutations in flight', async () => {
    const { client } = await startTodoServer();
    const { result } = renderHook(() => rpc.todos.add.useMutation(), { wrapper: withClient(client()) });
    let first: Promise<unknown> = Promise.resolve();
    let second: Promise<unknown> = Promise.resolve();
    act(() => {
      first = result.current.mutateAsync({ tag: 'home', title: 'one' });
      second = result.current.mutateAsync({ tag: 'home', title: 'water plants' }).catch(() => undefined);
    });
    await act(async () => {
      await Promise.all([first, second]);
    });
    expect(result.current).toMatchObject({ status: 'error', error: { code: 'DUPLICATE' } });
  });
});

// @vitest-environment happy-dom
import type { ConnectionState } from '@wirecall/client';
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import { createWirecallReact } from '../src/index.js';
import { api, rpc, startTodoServer } from './todo-server.js';
import { withClient } from './with-client.js';

afterEach(cleanup);

describe('useConnectionStatus', () => {
  it('follows the client from connecting to open, reconnecting, open again and closed', async () => {
    const { proxiedClient } = await startTodoServer();
    const { client, proxy } = await proxiedClient();
    const states: ConnectionState[] = [];
    const { result } = renderHook(
      () => {
        const status = rpc.useConnectionStatus();
        if (states.at(-1) !== status.state) states.push(status.state);
        return status;
      },
      { wrapper: withClient(client) },
    );
    await waitFor(() => {
      expect(result.current.state).toBe('open');
    });
    expect(result.current.connectionId).toEqual(expect.any(String));
    const firstConnection = result.current.connectionId;
    proxy.dropAll();
    await waitFor(() => {
      expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    });
    expect(result.current.connectionId).not.toBe(firstConnection);
    await act(() => client.$close());
    expect(result.current.state).toBe('closed');
    expect(states.at(-1)).toBe('closed');
  });
});

describe('Provider and useClient', () => {
  it('gives the hooks the client of the nearest Provider', async () => {
    const { client } = await startTodoServer();
    const rpcClient = client();
    const { result } = renderHook(() => rpc.useClient(), { wrapper: withClient(rpcClient) });
    expect(result.current).toBe(rpcClient);
    await expect(result.current.todos.list.query({ tag: 'home' })).resolves.toHaveLength(1);
  });

  it('refuses a contract whose top level uses a reserved name', () => {
    expect(() => createWirecallReact({ Provider: api.hang })).toThrow(
      'contract key "Provider" is reserved by createWirecallReact; nest it in a namespace',
    );
  });
});

describe('a component tree', () => {
  function TodoList() {
    const [tag, setTag] = useState('home');
    const todos = rpc.todos.list.useQuery({ tag });
    const add = rpc.todos.add.useMutation({ onSuccess: () => void todos.refetch() });
    const changes = rpc.todos.changes.useSubscription({ tag }, { keep: 5 });
    return (
      <div>
        <p>subscription {changes.status}</p>
        {todos.status === 'success' && (
          <ul aria-label="todos">
            {todos.data.map((todo) => (
              <li key={todo.id}>{todo.title}</li>
            ))}
          </ul>
        )}
        <p>changes: {changes.events.map((todo) => todo.title).join(', ')}</p>
        {add.status === 'error' && <p role="alert">{add.error.message}</p>}
        <button
          onClick={() => {
            add.mutate({ tag, title: 'repot fern' });
          }}
        >
          add
        </button>
        <button
          onClick={() => {
            setTag('work');
          }}
        >
          work
        </button>
      </div>
    );
  }

  it('renders queries, mutations and subscriptions together', async () => {
    const { client, probe } = await startTodoServer();
    const subscribed = probe.next('subscribed', 'home');
    render(
      <rpc.Provider client={client()}>
        <TodoList />
      </rpc.Provider>,
    );
    expect(await screen.findByText('water plants')).toBeTruthy();
    await subscribed;
    await screen.findByText('subscription live');
    act(() => {
      screen.getByRole('button', { name: 'add' }).click();
    });
    expect(await screen.findByText('repot fern')).toBeTruthy();
    expect(await screen.findByText('changes: repot fern')).toBeTruthy();
    act(() => {
      screen.getByRole('button', { name: 'add' }).click();
    });
    expect((await screen.findByRole('alert')).textContent).toBe('already on the list');
    const finished = probe.next('finally', 'home');
    act(() => {
      screen.getByRole('button', { name: 'work' }).click();
    });
    await finished;
    await waitFor(() => {
      expect(screen.queryByText('water plants')).toBeNull();
    });
    expect(screen.getByText('changes:')).toBeTruthy();
  });
});

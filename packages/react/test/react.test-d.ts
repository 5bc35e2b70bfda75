import { createClient, type CallOptions, type Client, type ConnectionStatus } from '@wirecall/client';
import { defineContract, mutation, query, subscription, type BuiltinRpcError, type InferError, type RpcError } from '@wirecall/schema';
import { describe, expectTypeOf, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

import {
  createWirecallReact,
  type MutationHooks,
  type QueryHooks,
  type SubscriptionHooks,
  type QuerySettledResult,
  type SubscriptionStatus,
  type UseMutationResult,
  type UseQueryResult,
  type UseSubscriptionResult,
} from '../src/index.js';

const Todo = z.object({ id: z.number(), title: z.string(), due: z.date() });
type Todo = z.infer<typeof Todo>;
const api = defineContract({
  todos: {
    list: query({ input: z.object({ tag: z.string() }), output: z.array(Todo) }),
    add: mutation({
      input: z.object({ title: z.string() }),
      output: Todo,
      errors: { DUPLICATE: z.object({ title: z.string() }) },
    }),
    changes: subscription({ input: z.object({ tag: z.string() }), event: Todo }),
  },
  now: query({ output: z.date() }),
  search: query({ input: z.string().optional(), output: z.array(z.string()) }),
  clear: mutation({}),
  ticks: subscription({ event: z.number(), errors: { SLOW: z.object({ lagMs: z.number() }) } }),
});
const rpc = createWirecallReact(api);

type BuiltinCode = BuiltinRpcError['code'];

describe('useQuery', () => {
  it('infers the data and the errors of the procedure', () => {
    const result = rpc.todos.list.useQuery({ tag: 'home' });
    expectTypeOf(result).toEqualTypeOf<UseQueryResult<Todo[], InferError<typeof api.todos.list>>>();
    expectTypeOf(result.data).toEqualTypeOf<Todo[] | undefined>();
    expectTypeOf(result.data).not.toBeAny();
    expectTypeOf(result.error?.code).toEqualTypeOf<BuiltinCode | undefined>();
    expectTypeOf(result.refetch).returns.toEqualTypeOf<
      Promise<QuerySettledResult<Todo[], InferError<typeof api.todos.list>>>
    >();
  });

  it('narrows data and error by status', () => {
    const result = rpc.todos.list.useQuery({ tag: 'home' });
    if (result.status === 'success') expectTypeOf(result.data).toEqualTypeOf<Todo[]>();
    if (result.status === 'pending') expectTypeOf(result.data).toEqualTypeOf<undefined>();
    if (result.status === 'error') {
      expectTypeOf(result.error).toEqualTypeOf<InferError<typeof api.todos.list>>();
      expectTypeOf(result.data).toEqualTypeOf<Todo[] | undefined>();
    }
  });

  it('takes the input as the contract declares it', () => {
    rpc.todos.list.useQuery({ tag: 'home' }, { enabled: false, timeoutMs: 100, meta: { traceId: 't' }, refetchOnReconnect: false });
    expectTypeOf(rpc.todos.list.useQuery).parameter(0).toEqualTypeOf<{ tag: string }>();
    expectTypeOf(rpc.now.useQuery().data).toEqualTypeOf<Date | undefined>();
    expectTypeOf(rpc.search.useQuery().data).toEqualTypeOf<string[] | undefined>();
    rpc.search.useQuery('ada');
    rpc.now.useQuery(undefined, { enabled: true });
    // @ts-expect-error -- list requires its input
    rpc.todos.list.useQuery();
    // @ts-expect-error -- tag must be a string
    rpc.todos.list.useQuery({ tag: 1 });
    // @ts-expect-error -- unknown option
    rpc.todos.list.useQuery({ tag: 'home' }, { enable: false });
  });
});

describe('useMutation', () => {
  it('infers mutate, the data and the declared errors', () => {
    const result = rpc.todos.add.useMutation();
    expectTypeOf(result).toEqualTypeOf<UseMutationResult<typeof api.todos.add>>();
    expectTypeOf(result.mutate).parameters.toEqualTypeOf<
      [input: { title: string }, options?: CallOptions]
    >();
    expectTypeOf(result.mutateAsync({ title: 'x' })).toEqualTypeOf<Promise<Todo>>();
    if (result.status === 'success') expectTypeOf(result.data).toEqualTypeOf<Todo>();
    if (result.status === 'error') {
      expectTypeOf(result.error.code).toEqualTypeOf<BuiltinCode | 'DUPLICATE'>();
      if (result.error.code === 'DUPLICATE') expectTypeOf(result.error.data).toEqualTypeOf<{ title: string }>();
    }
    expectTypeOf(result.status).toEqualTypeOf<'idle' | 'pending' | 'success' | 'error'>();
  });

  it('types the callbacks', () => {
    rpc.todos.add.useMutation({
      onSuccess: (data, input) => {
        expectTypeOf(data).toEqualTypeOf<Todo>();
        expectTypeOf(input).toEqualTypeOf<{ title: string }>();
      },
      onError: (error, input) => {
        expectTypeOf(error).toEqualTypeOf<InferError<typeof api.todos.add>>();
        expectTypeOf(error).not.toBeAny();
        expectTypeOf(input).toEqualTypeOf<{ title: string }>();
      },
    });
  });

  it('takes the input as the contract declares it', () => {
    const add = rpc.todos.add.useMutation();
    add.mutate({ title: 'x' }, { timeoutMs: 100 });
    // @ts-expect-error -- add requires its input
    add.mutate();
    // @ts-expect-error -- title must be a string
    add.mutate({ title: 1 });
    const clear = rpc.clear.useMutation();
    clear.mutate();
    expectTypeOf(clear.mutateAsync()).toEqualTypeOf<Promise<undefined>>();
  });
});

describe('useSubscription', () => {
  it('infers the events and the errors', () => {
    const result = rpc.todos.changes.useSubscription({ tag: 'home' }, { keep: 10 });
    expectTypeOf(result).toEqualTypeOf<UseSubscriptionResult<Todo, InferError<typeof api.todos.changes>>>();
    expectTypeOf(result.data).toEqualTypeOf<Todo | undefined>();
    expectTypeOf(result.events).toEqualTypeOf<readonly Todo[]>();
    expectTypeOf(result.status).toEqualTypeOf<SubscriptionStatus>();
    expectTypeOf(rpc.ticks.useSubscription().data).toEqualTypeOf<number | undefined>();
  });

  it('types the callbacks', () => {
    rpc.ticks.useSubscription(undefined, {
      onData: (event) => {
        expectTypeOf(event).toEqualTypeOf<number>();
      },
      onError: (error) => {
        expectTypeOf(error.code).toEqualTypeOf<BuiltinCode | 'SLOW'>();
        if (error.code === 'SLOW') expectTypeOf(error.data).toEqualTypeOf<{ lagMs: number }>();
      },
    });
  });

  it('takes the input as the contract declares it', () => {
    // @ts-expect-error -- changes requires its input
    rpc.todos.changes.useSubscription();
    // @ts-expect-error -- tag must be a string
    rpc.todos.changes.useSubscription({ tag: 1 });
  });
});

describe('the proxy', () => {
  it('offers only the hook of each procedure kind', () => {
    expectTypeOf(rpc.todos.list).not.toHaveProperty('useMutation');
    expectTypeOf(rpc.todos.list).not.toHaveProperty('useSubscription');
    expectTypeOf(rpc.todos.add).not.toHaveProperty('useQuery');
    expectTypeOf(rpc.todos.changes).not.toHaveProperty('useQuery');
    expectTypeOf(rpc.todos).not.toHaveProperty('useQuery');
    expectTypeOf(rpc.todos).not.toHaveProperty('remove');
    expectTypeOf(rpc.todos.list).toEqualTypeOf<QueryHooks<typeof api.todos.list>>();
    expectTypeOf(rpc.todos.add).toEqualTypeOf<MutationHooks<typeof api.todos.add>>();
    expectTypeOf(rpc.todos.changes).toEqualTypeOf<SubscriptionHooks<typeof api.todos.changes>>();
  });

  it('types useClient, useConnectionStatus and the Provider by the contract', () => {
    expectTypeOf(rpc.useClient()).toEqualTypeOf<Client<typeof api>>();
    expectTypeOf(rpc.useConnectionStatus()).toEqualTypeOf<ConnectionStatus>();
    const other = createClient(defineContract({ ping: query({ output: z.string() }) }), { url: 'ws://127.0.0.1:1', WebSocket });
    rpc.Provider({ client: createClient(api, { url: 'ws://127.0.0.1:1', WebSocket }) });
    // @ts-expect-error -- a client of another contract
    rpc.Provider({ client: other });
  });

  it('never types an error as any', () => {
    expectTypeOf(rpc.todos.list.useQuery({ tag: 'x' }).error).not.toBeAny();
    expectTypeOf<InferError<typeof api.todos.list>>().toExtend<RpcError>();
  });
});

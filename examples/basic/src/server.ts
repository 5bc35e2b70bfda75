/**
 * The example's server: an in-memory todo list served over WebSockets.
 * `pnpm --filter @wirecall/example-basic serve` runs it on 127.0.0.1:8080 (override with PORT).
 * @module
 */
import { EventEmitter, on } from 'node:events';

import {
  createServer,
  RpcError,
  RpcErrorCode,
  type ConnectionInfo,
  type ListenInfo,
  type ListenOptions,
  type RpcServer,
} from '@wirecall/server';

import { api, type Todo, type TodoChange } from './contract.js';
import { isMain } from './is-main.js';

/** The connection context: who is calling, from the `?user=` parameter of the WebSocket URL. */
export interface TodoContext {
  readonly user: string;
}

/** A running todo server and where to reach it. */
export interface StartedServer extends ListenInfo {
  readonly server: RpcServer<typeof api, TodoContext>;
}

function createTodoStore() {
  const todos = new Map<number, Todo>();
  const changes = new EventEmitter<{ change: [TodoChange] }>();
  let lastId = 0;

  function save(todo: Todo, kind: 'added' | 'updated'): Todo {
    todos.set(todo.id, todo);
    changes.emit('change', { kind, todo });
    return todo;
  }

  return {
    changes,
    list: () => [...todos.values()],
    get: (id: number) => todos.get(id),
    findByTitle: (title: string) => [...todos.values()].find((todo) => todo.title === title),
    add: (title: string, author: string) =>
      save({ id: ++lastId, title, done: false, author, createdAt: new Date() }, 'added'),
    update: (todo: Todo) => save(todo, 'updated'),
  };
}

/** Creates a todo server, not yet listening. Each server has its own list, seeded with one todo. */
export function createTodoServer(): RpcServer<typeof api, TodoContext> {
  const store = createTodoStore();
  store.add('Try Wirecall', 'wirecall');

  function find(id: number): Todo {
    const todo = store.get(id);
    if (todo === undefined) throw new RpcError(RpcErrorCode.NotFound, `no todo with id ${String(id)}`);
    return todo;
  }

  return createServer(api, {
    context: (info: ConnectionInfo): TodoContext => ({ user: info.url.searchParams.get('user') ?? 'anonymous' }),
    handlers: {
      todos: {
        list: () => store.list(),
        get: ({ input }) => find(input.id),
        add: ({ input, ctx, errors }) => {
          const existing = store.findByTitle(input.title);
          if (existing !== undefined) {
            throw errors.DUPLICATE_TITLE({ existingId: existing.id }, `"${input.title}" is already on the list`);
          }
          return store.add(input.title, ctx.user);
        },
        toggle: ({ input }) => {
          const todo = find(input.id);
          return store.update({ ...todo, done: !todo.done });
        },
        changes: async function* ({ signal }) {
          // Listen before taking the snapshot, so that no change can fall between the two.
          // `signal` aborts when the client unsubscribes or disconnects, which removes the listener.
          const live = on(store.changes, 'change', { signal }) as AsyncIterableIterator<[TodoChange]>;
          yield { kind: 'snapshot', todos: store.list() };
          for await (const [change] of live) yield change;
        },
      },
    },
  });
}

/** Starts a todo server on `host`:`port` (port 0 picks a free one). Stop it with `server.close()`. */
export async function startServer(options: ListenOptions = {}): Promise<StartedServer> {
  const server = createTodoServer();
  const info = await server.listen(options);
  return { server, ...info };
}

if (isMain(import.meta.url)) {
  const { server, url } = await startServer({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8080) });
  console.log(`todo server listening on ${url} (Ctrl+C stops it)`);
  const stop = (): void => {
    void server.close().then(() => {
      console.log('server closed');
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

import type { ClientOptions } from '@wirecall/client';
import { defineContract, mutation, query, RpcError, subscription } from '@wirecall/schema';
import { gap, tracked } from '@wirecall/server';
import { createDeferred, startTcpProxy, startTestServer, withTimeout } from '@wirecall/testing';
import { EventEmitter, on } from 'node:events';
import { z } from 'zod';

import { createWirecallReact } from '../src/index.js';

const Todo = z.object({ id: z.number(), tag: z.string(), title: z.string() });

/** The contract of the React tests: a todo list with every procedure kind. */
export const api = defineContract({
  todos: {
    list: query({
      input: z.object({ tag: z.string(), since: z.date().optional() }),
      output: z.array(Todo),
    }),
    add: mutation({
      input: z.object({ tag: z.string(), title: z.string().min(1) }),
      output: Todo,
      errors: { DUPLICATE: z.object({ title: z.string() }) },
    }),
    changes: subscription({ input: z.object({ tag: z.string() }), event: Todo }),
  },
  /** Answers only when the test calls `release(id)`; records aborts. */
  hang: query({ input: z.object({ id: z.string() }), output: z.string() }),
  /** Counts to `to`, then completes. */
  count: subscription({ input: z.object({ to: z.number() }), event: z.number() }),
  /** A resumable feed: a gap for `lastEventId: 'stale'`, then one tracked event, then completes. */
  feed: subscription({ event: z.number() }),
});

/** The bindings under test. */
export const rpc = createWirecallReact(api);

/** What the server saw, for assertions on the server side. */
export interface TodoProbe {
  /** Every call and subscribe, as `path:key-of-input`, in arrival order. */
  readonly calls: string[];
  /** Emits `abort` (path, input) when a handler's signal aborts, `subscribed` (tag) and `finally` (tag) for `todos.changes`. */
  readonly events: EventEmitter;
  /** Number of `todos.changes` generators running. */
  readonly live: () => number;
  /** Answers the `hang` calls with this id, and those that arrive later. */
  readonly release: (id: string, answer: string) => void;
  /** Resolves when `event` is emitted with `first` as its first argument (bounded). */
  readonly next: (event: 'abort' | 'subscribed' | 'finally', first: string) => Promise<void>;
}

/** Starts the todo server and returns a client factory and a probe. */
export async function startTodoServer() {
  const events = new EventEmitter();
  const changes = new EventEmitter();
  const waiting = new Map<string, ((answer: string) => void)[]>();
  const released = new Map<string, string>();
  const calls: string[] = [];
  const todos: { id: number; tag: string; title: string }[] = [{ id: 1, tag: 'home', title: 'water plants' }];
  let live = 0;

  const started = await startTestServer(api, {
    logger: { error: () => undefined, warn: () => undefined },
    handlers: {
      todos: {
        list: ({ input }) => {
          calls.push(`todos.list:${input.tag}${input.since === undefined ? '' : `@${input.since.toISOString()}`}`);
          if (input.tag === 'forbidden') throw new RpcError('FORBIDDEN', 'not your list');
          return todos.filter((todo) => todo.tag === input.tag);
        },
        add: ({ input, errors }) => {
          calls.push(`todos.add:${input.title}`);
          if (todos.some((todo) => todo.tag === input.tag && todo.title === input.title)) {
            throw errors.DUPLICATE({ title: input.title }, 'already on the list');
          }
          const todo = { id: todos.length + 1, ...input };
          todos.push(todo);
          changes.emit(input.tag, todo);
          return todo;
        },
        changes: ({ input, signal }) => {
          calls.push(`todos.changes:${input.tag}`);
          return (async function* () {
            live += 1;
            events.emit('subscribed', input.tag);
            try {
              for await (const [todo] of on(changes, input.tag, { signal }) as AsyncIterable<[z.infer<typeof Todo>]>) {
                yield todo;
              }
            } finally {
              live -= 1;
              events.emit('finally', input.tag);
            }
          })();
        },
      },
      hang: ({ input, signal }) => {
        calls.push(`hang:${input.id}`);
        return new Promise<string>((resolve, reject) => {
          const answer = released.get(input.id);
          if (answer !== undefined) {
            resolve(answer);
            return;
          }
          waiting.set(input.id, [...(waiting.get(input.id) ?? []), resolve]);
          signal.addEventListener('abort', () => {
            events.emit('abort', 'hang', input.id);
            reject(signal.reason as Error);
          });
        });
      },
      feed: async function* ({ lastEventId }) {
        calls.push(`feed:${lastEventId ?? ''}`);
        if (lastEventId === 'stale') yield gap('expired');
        yield await Promise.resolve(tracked('7', 7));
      },
      count: async function* ({ input }) {
        // `await` only to satisfy require-await; the values are synchronous.
        for (let value = 1; value <= input.to; value += 1) yield await Promise.resolve(value);
      },
    },
  });

  const probe: TodoProbe = {
    calls,
    events,
    live: () => live,
    release(id, answer) {
      released.set(id, answer);
      for (const resolve of waiting.get(id) ?? []) resolve(answer);
      waiting.delete(id);
    },
    next(event, first) {
      const seen = createDeferred();
      const onEvent = (...args: unknown[]): void => {
        const value = event === 'abort' ? args[1] : args[0];
        if (value === first) seen.resolve();
      };
      events.on(event, onEvent);
      return withTimeout(seen.promise, 3000, `"${event}" for ${first}`).finally(() => events.off(event, onEvent));
    },
  };

  /** A client through a TCP proxy the test can cut, reconnecting fast. */
  async function proxiedClient(options: Partial<ClientOptions> = {}) {
    const proxy = await startTcpProxy(started.port);
    const client = started.client({ url: proxy.url, reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, ...options });
    return { client, proxy };
  }

  return { ...started, probe, proxiedClient, publish: (todo: z.infer<typeof Todo>) => changes.emit(todo.tag, todo) };
}

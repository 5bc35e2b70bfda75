/**
 * The contract of the example: a shared todo list. Server and client both import
 * this file; it holds only zod schemas, so it is safe in a browser bundle.
 * @module
 */
import { defineContract, mutation, query, subscription } from '@wirecall/schema';
import { z } from 'zod';

/** A todo item. `createdAt` stays a `Date` on the client: the default codec (rich) carries it. */
export const Todo = z.object({
  id: z.number().int(),
  title: z.string(),
  done: z.boolean(),
  author: z.string(),
  createdAt: z.date(),
});

/** A todo item, as both sides see it. */
export type Todo = z.infer<typeof Todo>;

/** One event of `todos.changes`: first a snapshot of the list, then each change as it happens. */
export const TodoChange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot'), todos: z.array(Todo) }),
  z.object({ kind: z.literal('added'), todo: Todo }),
  z.object({ kind: z.literal('updated'), todo: Todo }),
]);

/** One event of `todos.changes`, as both sides see it. */
export type TodoChange = z.infer<typeof TodoChange>;

/** The todo API: two queries, two mutations and a subscription under the `todos` namespace. */
export const api = defineContract({
  todos: {
    /** Every todo, oldest first (a query without input). */
    list: query({ output: z.array(Todo) }),
    /** One todo by id; fails with the built-in `NOT_FOUND` when there is none. */
    get: query({ input: z.object({ id: z.number().int() }), output: Todo }),
    /** Adds a todo; fails with the declared `DUPLICATE_TITLE` when the title is taken. */
    add: mutation({
      input: z.object({ title: z.string().trim().min(1).max(200) }),
      output: Todo,
      errors: { DUPLICATE_TITLE: z.object({ existingId: z.number().int() }) },
    }),
    /** Flips `done` on a todo. */
    toggle: mutation({ input: z.object({ id: z.number().int() }), output: Todo }),
    /** A snapshot of the list, then every change, live. */
    changes: subscription({ event: TodoChange }),
  },
});

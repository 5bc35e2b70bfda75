/**
 * The example's client flow: queries, a mutation and its declared error, and a
 * live subscription. `pnpm run client` runs it against ws://127.0.0.1:8080/ (or the URL given).
 * @module
 */
import { createClient, isProcedureError, isRpcError, RpcErrorCode } from '@wirecall/client';
import { WebSocket } from 'ws';

import { api, type Todo, type TodoChange } from './contract.js';
import { isMain } from './is-main.js';

/** What the client flow saw; the smoke test asserts on it. */
export interface FlowResult {
  readonly initial: readonly Todo[];
  readonly added: Todo;
  /** The `existingId` of the declared `DUPLICATE_TITLE` error, if it was raised. */
  readonly duplicateOf: number | undefined;
  readonly fetched: Todo;
  readonly changes: readonly TodoChange[];
}

/** Options of {@link runClientFlow}. */
export interface FlowOptions {
  /** Who the client says it is: the `?user=` parameter the server's context reads. Default `ada`. */
  user?: string;
  /** Receives each line of output. Default `console.log`. */
  print?: (line: string) => void;
}

function formatTodo(todo: Todo): string {
  const when = todo.createdAt.toISOString().slice(11, 19);
  return `#${String(todo.id)} [${todo.done ? 'x' : ' '}] ${todo.title} (by ${todo.author} at ${when})`;
}

/**
 * Connects to the todo server at `url`, walks through every kind of procedure,
 * prints what happens, and closes the connection.
 */
export async function runClientFlow(url: string, options: FlowOptions = {}): Promise<FlowResult> {
  const print = options.print ?? console.log;
  const endpoint = new URL(url);
  endpoint.searchParams.set('user', options.user ?? 'ada');
  // Node 20 has no global WebSocket, so pass the one from `ws`; browsers and Node >= 22 can omit it.
  const client = createClient(api, { url: endpoint.href, WebSocket });
  try {
    const initial = await client.todos.list.query();
    print(`todos.list     -> ${String(initial.length)} todo(s)`);
    for (const todo of initial) print(`                  ${formatTodo(todo)}`);

    // A long-lived server keeps the todos of earlier runs: vary the titles so a rerun does not collide.
    const suffix = initial.length > 1 ? ` (${String(initial.length)})` : '';
    const added = await client.todos.add.mutate({ title: `Write the README${suffix}` });
    print(`todos.add      -> ${formatTodo(added)}`);

    let duplicateOf: number | undefined;
    try {
      await client.todos.add.mutate({ title: added.title });
    } catch (error) {
      // Narrows to the built-in codes plus those `todos.add` declares, each with typed `data`.
      if (!isProcedureError(api.todos.add, error) || error.code !== 'DUPLICATE_TITLE') throw error;
      duplicateOf = error.data.existingId;
      print(`todos.add      !! ${error.code}: ${error.message} (existingId ${String(duplicateOf)})`);
    }

    const fetched = await client.todos.get.query({ id: added.id });
    print(`todos.get      -> ${formatTodo(fetched)}`);

    // Events arrive while the loop body awaits; they queue until the next turn.
    // The deadline is a safety net: the stream fails with TIMEOUT instead of hanging.
    const changes: TodoChange[] = [];
    for await (const change of client.todos.changes.subscribe(undefined, { timeoutMs: 5000 })) {
      changes.push(change);
      if (change.kind === 'snapshot') {
        print(`todos.changes  <- snapshot of ${String(change.todos.length)} todo(s)`);
        await client.todos.toggle.mutate({ id: added.id });
        await client.todos.add.mutate({ title: `Ship it${suffix}` });
      } else {
        print(`todos.changes  <- ${change.kind}: ${formatTodo(change.todo)}`);
      }
      // `break` unsubscribes: the server's generator stops and its listener is removed.
      if (changes.length === 3) break;
    }
    return { initial, added, duplicateOf, fetched, changes };
  } finally {
    await client.$close();
  }
}

if (isMain(import.meta.url)) {
  const url = process.argv[2] ?? 'ws://127.0.0.1:8080/';
  console.log(`connecting to ${url}`);
  try {
    await runClientFlow(url);
  } catch (error) {
    if (!isRpcError(error) || error.code !== RpcErrorCode.ConnectionLost) throw error;
    console.error(`${error.message}: is the server running? Start it with \`pnpm --filter @wirecall/example-basic serve\`.`);
    process.exitCode = 1;
  }
}

import type { ProcedureEntry } from './procedure-table.js';
import type { Operation } from './operation.js';
import { parseInput, parseOutput } from './validate.js';

function handlerOptions(entry: ProcedureEntry, input: unknown, ctx: unknown, operation: Operation) {
  return {
    input,
    ctx,
    errors: entry.errors,
    path: entry.path,
    get signal() {
      return operation.signal;
    },
  };
}

/** A call cancelled (or timed out) while its input was being validated never reaches its handler. */
function throwIfAborted(operation: Operation): void {
  if (operation.reason !== undefined) throw operation.reason;
}

/**
 * Runs a query or mutation: validates the input, calls the handler, validates
 * the output. Throws whatever the handler threw (see `normalizeError`).
 */
export async function invokeCall(
  entry: ProcedureEntry,
  rawInput: unknown,
  ctx: unknown,
  operation: Operation,
): Promise<unknown> {
  const { input: inputSchema, output: outputSchema } = entry.procedure['~rpc'];
  const input = await parseInput(inputSchema, rawInput);
  throwIfAborted(operation);
  const output = await entry.handler(handlerOptions(entry, input, ctx, operation) as never);
  return parseOutput(outputSchema, output, entry.path);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Starts a subscription: validates the input, calls the handler and returns an
 * iterator over its events, each validated against the contract. Calling
 * `return()` on it ends the handler's generator (its `finally` runs).
 */
export async function openSubscription(
  entry: ProcedureEntry,
  rawInput: unknown,
  ctx: unknown,
  operation: Operation,
  lastEventId: string | undefined,
): Promise<AsyncIterator<unknown, undefined>> {
  const { input: inputSchema, output: eventSchema } = entry.procedure['~rpc'];
  const input = await parseInput(inputSchema, rawInput);
  throwIfAborted(operation);
  const iterable: unknown = entry.handler({ ...handlerOptions(entry, input, ctx, operation), lastEventId } as never);
  if (!isAsyncIterable(iterable)) {
    throw new TypeError(`handler of subscription "${entry.path}" must return an async iterable`);
  }
  const source = iterable[Symbol.asyncIterator]();
  return {
    async next() {
      const step = await source.next();
      if (step.done === true) return { done: true, value: undefined };
      return { done: false, value: await parseOutput(eventSchema, step.value, entry.path) };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
  };
}

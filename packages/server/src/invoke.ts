import { pushSourceOf, type PushSource } from './delivery/push-source.js';
import { validateShared } from './delivery/shared-events.js';
import { Gap, Tracked } from './delivery/tracked.js';
import { runMiddleware } from './middleware-chain.js';
import type { Operation } from './operation.js';
import type { ProcedureEntry } from './procedure-table.js';
import { isPromiseLike, parseInput, parseOutput, type MaybePromise } from './validate.js';

/**
 * What a handler receives. A class, so that creating one per call is a plain
 * allocation with a shared prototype getter for `signal` (an object literal
 * with an accessor is much slower to create), and the signal is only made when read.
 */
class HandlerOptions {
  readonly input: unknown;
  readonly ctx: unknown;
  readonly errors: ProcedureEntry['errors'];
  readonly path: string;
  readonly meta: Operation['meta'];
  /** Set for subscriptions only. */
  readonly lastEventId: string | undefined;
  readonly #operation: Operation;

  constructor(entry: ProcedureEntry, input: unknown, ctx: unknown, operation: Operation, lastEventId?: string) {
    this.input = input;
    this.ctx = ctx;
    this.lastEventId = lastEventId;
    this.errors = entry.errors;
    this.path = entry.path;
    this.meta = operation.meta;
    this.#operation = operation;
  }

  get signal(): AbortSignal {
    return this.#operation.signal;
  }
}

/** A call cancelled (or timed out) while its input was validated or its middleware ran never reaches its handler. */
function throwIfAborted(operation: Operation): void {
  if (operation.reason !== undefined) throw operation.reason;
}

/** Calls a query's or mutation's handler; synchronous, so the fast path allocates nothing more than the handler does. */
function startCall(entry: ProcedureEntry, input: unknown, ctx: unknown, operation: Operation): unknown {
  throwIfAborted(operation);
  return entry.handler(new HandlerOptions(entry, input, ctx, operation) as never);
}

/**
 * Runs a query or mutation: validates the input, runs the middleware (if any),
 * calls the handler, validates the output. Returns the output itself when all
 * of that was synchronous (no promise, no microtask: the common case of a
 * synchronous handler), or a promise of it. Throws, or rejects with, whatever
 * the handler or a middleware threw (see `normalizeError`).
 */
export function invokeCall(entry: ProcedureEntry, rawInput: unknown, ctx: unknown, operation: Operation): MaybePromise<unknown> {
  const input = parseInput(entry.procedure['~rpc'].input, rawInput);
  if (isPromiseLike(input)) return Promise.resolve(input).then((value) => callWithInput(entry, value, ctx, operation));
  return callWithInput(entry, input, ctx, operation);
}

function callWithInput(entry: ProcedureEntry, input: unknown, ctx: unknown, operation: Operation): MaybePromise<unknown> {
  const outputSchema = entry.procedure['~rpc'].output;
  if (entry.middleware.length > 0) {
    // Output validation is part of the chain: middleware observes the validated output, or its failure.
    return runMiddleware(entry, ctx, input, operation, async (finalCtx) =>
      parseOutput(outputSchema, await startCall(entry, input, finalCtx, operation), entry.path),
    );
  }
  const output = startCall(entry, input, ctx, operation);
  if (isPromiseLike(output)) return Promise.resolve(output).then((value) => parseOutput(outputSchema, value, entry.path));
  return parseOutput(outputSchema, output, entry.path);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Calls a subscription's handler and checks that it returned an async iterable. */
function startSubscription(
  entry: ProcedureEntry,
  input: unknown,
  ctx: unknown,
  operation: Operation,
  lastEventId: string | undefined,
): AsyncIterable<unknown> {
  throwIfAborted(operation);
  const iterable: unknown = entry.handler(new HandlerOptions(entry, input, ctx, operation, lastEventId) as never);
  if (!isAsyncIterable(iterable)) {
    throw new TypeError(`handler of subscription "${entry.path}" must return an async iterable`);
  }
  return iterable;
}

/** Runs the middleware of a subscription around its handler; resolves with the handler's iterable. */
async function startSubscriptionChain(
  entry: ProcedureEntry,
  input: unknown,
  ctx: unknown,
  operation: Operation,
  lastEventId: string | undefined,
): Promise<AsyncIterable<unknown>> {
  const started: { iterable?: AsyncIterable<unknown> } = {};
  try {
    await runMiddleware(entry, ctx, input, operation, (finalCtx) => {
      started.iterable = startSubscription(entry, input, finalCtx, operation, lastEventId);
      return undefined;
    });
  } catch (error) {
    // A middleware refused after the handler ran: release what the handler set up.
    void Promise.resolve(started.iterable?.[Symbol.asyncIterator]().return?.()).catch(() => undefined);
    throw error;
  }
  return started.iterable as AsyncIterable<unknown>;
}

/**
 * The events of a subscription, validated. `push` is there when the handler
 * returned an event log's stream: its items can then be taken synchronously.
 */
export interface SubscriptionIterator extends AsyncIterator<unknown, undefined> {
  readonly push?: PushSource<MaybePromise<unknown>>;
}

/**
 * Starts a subscription: validates the input, runs the middleware (if any),
 * calls the handler and returns an iterator over its events, each validated
 * against the contract (tracked events keep their id; gaps pass through).
 * Calling `return()` on it ends the handler's generator (its `finally` runs).
 */
export async function openSubscription(
  entry: ProcedureEntry,
  rawInput: unknown,
  ctx: unknown,
  operation: Operation,
  lastEventId: string | undefined,
): Promise<SubscriptionIterator> {
  const { input: inputSchema, output: eventSchema } = entry.procedure['~rpc'];
  const input = await parseInput(inputSchema, rawInput);
  const iterable =
    entry.middleware.length > 0
      ? await startSubscriptionChain(entry, input, ctx, operation, lastEventId)
      : startSubscription(entry, input, ctx, operation, lastEventId);
  const source = iterable[Symbol.asyncIterator]();
  const { resumable } = entry.procedure['~rpc'];
  /** Validates one yielded item; synchronous unless the schema is async, so an event costs no extra microtask. */
  const checkTracked = (item: Tracked<unknown>): MaybePromise<Tracked<unknown>> => {
    const data = parseOutput(eventSchema, item.data, entry.path);
    return isPromiseLike(data) ? Promise.resolve(data).then((value) => new Tracked(item.id, value)) : new Tracked(item.id, data);
  };
  const check = (item: unknown): MaybePromise<unknown> => {
    if (item instanceof Gap) return item;
    if (item instanceof Tracked) return checkTracked(item);
    if (resumable) {
      throw new TypeError(`resumable subscription "${entry.path}" yielded an event without an id: yield tracked(id, event)`);
    }
    return parseOutput(eventSchema, item, entry.path);
  };
  const push = pushSourceOf<unknown>(source);
  return {
    ...(push === undefined
      ? {}
      : {
          push: {
            // What a push source offers is shared by its subscribers: validated once per event.
            take: () => {
              const item = push.take();
              if (item instanceof Tracked && eventSchema !== undefined) return validateShared(item, eventSchema, checkTracked);
              return item === undefined ? undefined : check(item);
            },
            watch: (onReady) => {
              push.watch(onReady);
            },
            ended: () => push.ended(),
          },
        }),
    next() {
      return source.next().then((step): MaybePromise<IteratorResult<unknown, undefined>> => {
        if (step.done === true) return { done: true, value: undefined };
        const value = check(step.value);
        return isPromiseLike(value) ? Promise.resolve(value).then((checked) => ({ done: false, value: checked })) : { done: false, value };
      });
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
  };
}

import {
  mapContract,
  RpcError,
  RpcErrorCode,
  type Contract,
  type InferEvent,
  type InferOutput,
  type Procedure,
  type ProcedureArgs,
} from '@wirecall/schema';

import { invokeCall, openSubscription } from './invoke.js';
import type { Logger } from './logger.js';
import { normalizeError } from './normalize-error.js';
import { Gap, Tracked } from './delivery/tracked.js';
import { Operation } from './operation.js';
import type { ProcedureEntry } from './procedure-table.js';

/** Options of an in-process call. */
export interface CallerCallOptions {
  /** Cancels the call: the handler's signal aborts and the promise rejects with `CANCELLED`. */
  signal?: AbortSignal;
  /** Deadline: the handler's signal aborts and the promise rejects with `TIMEOUT`. */
  timeoutMs?: number;
  /** Per-call metadata, as a client sends it. */
  meta?: Readonly<Record<string, string>>;
}

/** Options of an in-process subscription. */
export interface CallerSubscribeOptions {
  /** Ends the subscription: iteration stops and the handler's `finally` runs. */
  signal?: AbortSignal;
  /** Passed to the handler, as when a client resumes. */
  lastEventId?: string;
}

/** A procedure as the caller exposes it: a function returning a promise, or an async iterable of events. */
export type CallerProcedure<TProcedure extends Procedure> = TProcedure['~rpc']['kind'] extends 'subscription'
  ? (...args: ProcedureArgs<TProcedure, CallerSubscribeOptions>) => AsyncIterable<InferEvent<TProcedure>>
  : (...args: ProcedureArgs<TProcedure, CallerCallOptions>) => Promise<InferOutput<TProcedure>>;

/** Invokes procedures in-process, nested like the contract, with the same validation as over the wire. */
export type Caller<TContract extends Contract> = {
  readonly [TKey in keyof TContract]: TContract[TKey] extends Procedure
    ? CallerProcedure<TContract[TKey]>
    : TContract[TKey] extends Contract
      ? Caller<TContract[TKey]>
      : never;
};

function cancelled(): RpcError {
  return new RpcError(RpcErrorCode.Cancelled, 'cancelled by the caller');
}

function callInProcess(
  entry: ProcedureEntry,
  input: unknown,
  ctx: unknown,
  logger: Logger,
  options: CallerCallOptions,
): Promise<unknown> {
  const op = new Operation({ meta: options.meta });
  const { signal, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const fail = (error: RpcError): void => {
      op.abort(error);
      reject(error);
    };
    const onAbort = (): void => {
      fail(cancelled());
    };
    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      op.setDeadline(timeoutMs, () => {
        fail(new RpcError(RpcErrorCode.Timeout, `deadline of ${String(timeoutMs)} ms exceeded`));
      });
    }
    // `invokeCall` may throw synchronously; run it inside a promise chain so that every failure is normalized.
    Promise.resolve()
      .then(() => invokeCall(entry, input, ctx, op))
      .then(resolve, (error: unknown) => {
        reject(normalizeError(error, entry, logger));
      })
      .finally(() => {
        op.clearDeadline();
        signal?.removeEventListener('abort', onAbort);
      });
  });
}

async function* subscribeInProcess(
  entry: ProcedureEntry,
  input: unknown,
  ctx: unknown,
  logger: Logger,
  options: CallerSubscribeOptions,
): AsyncGenerator<unknown, void, undefined> {
  const op = new Operation();
  const { signal } = options;
  const onAbort = (): void => {
    op.abort(cancelled());
  };
  if (signal?.aborted === true) return;
  signal?.addEventListener('abort', onAbort, { once: true });
  let iterator: AsyncIterator<unknown, undefined> | undefined;
  try {
    iterator = await openSubscription(entry, input, ctx, op, options.lastEventId);
    while (!op.isAborted()) {
      const step = await iterator.next();
      if (step.done === true || op.isAborted()) return;
      // In process there is no reconnect to resume: events without their ids, and no gaps.
      if (step.value instanceof Gap) continue;
      yield step.value instanceof Tracked ? step.value.data : step.value;
    }
  } catch (error) {
    if (!op.isAborted()) throw normalizeError(error, entry, logger);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await iterator?.return?.();
  }
}

/** Builds a caller over `procedures` that runs every handler with `ctx`. */
export function createCaller<TContract extends Contract>(
  contract: TContract,
  procedures: ReadonlyMap<string, ProcedureEntry>,
  ctx: unknown,
  logger: Logger,
): Caller<TContract> {
  return mapContract(contract, (path, procedure) => {
    const entry = procedures.get(path) as ProcedureEntry;
    if (procedure['~rpc'].kind === 'subscription') {
      return (input: unknown, options: CallerSubscribeOptions = {}) =>
        subscribeInProcess(entry, input, ctx, logger, options);
    }
    return (input: unknown, options: CallerCallOptions = {}) => callInProcess(entry, input, ctx, logger, options);
  }) as Caller<TContract>;
}

import { RpcError } from '@wirecall/schema';
import {
  MessageType,
  RpcErrorCode,
  type CallMessage,
  type ErrorMessage,
  type ServerMessage,
  type SubscribeMessage,
} from '@wirecall/schema/protocol';

import type { CallOutcome } from './delivery/call-window.js';
import { OverflowBuffer } from './delivery/overflow-buffer.js';
import { Gap, Tracked } from './delivery/tracked.js';
import type { FrameWriter } from './frame-writer.js';
import { invokeCall, openSubscription } from './invoke.js';
import { isPromiseLike } from './validate.js';
import type { Logger } from './logger.js';
import { outcomeOf } from './metrics/operation-observer.js';
import { normalizeError } from './normalize-error.js';
import type { Operation } from './operation.js';
import type { ProcedureEntry } from './procedure-table.js';

/** Events a subscription sends before it lets the event loop run I/O and timers. */
const EVENTS_PER_TURN = 256;

/** Message of the `SLOW_CONSUMER` error that ends a subscription declared `overflow: 'end'`. */
const SLOW_CONSUMER_MESSAGE = 'the client reads too slowly for this subscription (overflow "end")';

/** The buffer of a subscription whose policy keeps pulling its handler while the subscriber is slow. */
function overflowBuffer(entry: ProcedureEntry): OverflowBuffer | undefined {
  const { overflow, resumable } = entry.procedure['~rpc'];
  switch (overflow.policy) {
    case 'latest':
      return new OverflowBuffer(1, resumable);
    case 'dropOldest':
      return new OverflowBuffer(overflow.maxBuffered, resumable);
    case 'pause':
    case 'end':
      return undefined;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A server message that answers one request. */
export type ReplyMessage = Extract<ServerMessage, { id: string }>;

/** The `error` message for request `id`. */
export function errorMessage(id: string, error: RpcError): ErrorMessage {
  return { type: MessageType.Error, id, error: error.toWire() };
}

/** The message for one item a subscription yielded: an event (with its id when tracked) or a gap. */
function eventMessage(id: string, item: unknown): ReplyMessage {
  if (item instanceof Tracked) return { type: MessageType.Event, id, data: item.data, eventId: item.id };
  if (item instanceof Gap) return { type: MessageType.Gap, id, reason: item.reason };
  return { type: MessageType.Event, id, data: item };
}

/** Runs the operations of one connection and writes their replies. */
export interface OperationRunner {
  /**
   * Runs a call; returns a promise only when something in it was asynchronous.
   * `record` receives the final message even if the operation was answered
   * meanwhile (a mutation's session keeps it for retries).
   */
  readonly runCall: (
    op: Operation,
    entry: ProcedureEntry,
    message: CallMessage,
    record?: (outcome: CallOutcome) => void,
  ) => Promise<void> | undefined;
  readonly runSubscription: (op: Operation, entry: ProcedureEntry, message: SubscribeMessage) => Promise<void>;
  /** Sends the one final message of an operation, unless it already ended (cancel, timeout, close). */
  readonly finish: (op: Operation, message: ReplyMessage, path: string) => void;
}

/** What the runner needs from its connection. */
export interface OperationRunnerDeps {
  readonly connectionId: string;
  readonly writer: FrameWriter;
  readonly logger: Logger;
  /** Resolves once the client has read enough for subscriptions to go on (see `sendHighWaterMarkBytes`). */
  readonly writable: () => Promise<void>;
  /** The current connection context (it changes on re-authentication). */
  readonly context: () => unknown;
  /** Called once an operation has fully ended (its handler returned, its generator finished): forget its id. */
  readonly release: (id: string, op: Operation) => void;
}

/** Creates the runner that takes each call and subscription from start to final message. */
export function createOperationRunner(deps: OperationRunnerDeps): OperationRunner {
  const { writer, logger } = deps;

  /** Writes a message; a payload that cannot be encoded becomes INTERNAL_SERVER_ERROR. Returns whether it was sent. */
  function send(message: ReplyMessage, path: string): boolean {
    try {
      writer.write(message);
      return true;
    } catch (error) {
      logger.error(`could not encode a "${message.type}" message of "${path}"`, { connectionId: deps.connectionId, error });
      writer.write(errorMessage(message.id, new RpcError(RpcErrorCode.InternalServerError, 'Internal server error')));
      return false;
    }
  }

  function finish(op: Operation, message: ReplyMessage, path: string): void {
    if (!op.answer(outcomeOf(message))) return;
    op.clearDeadline();
    send(message, path);
    if (message.type === MessageType.Error) logger.debug?.('request failed', { connectionId: deps.connectionId, path, code: message.error.code });
  }

  function fail(op: Operation, id: string, entry: ProcedureEntry, error: unknown): void {
    if (!op.answered) finish(op, errorMessage(id, normalizeError(error, entry, logger)), entry.path);
  }

  function runCall(
    op: Operation,
    entry: ProcedureEntry,
    message: CallMessage,
    record?: (outcome: CallOutcome) => void,
  ): Promise<void> | undefined {
    const { id } = message;
    const succeed = (output: unknown): void => {
      const outcome: CallOutcome = { type: MessageType.Result, id, output };
      record?.(outcome);
      finish(op, outcome, entry.path);
      settleCall();
    };
    const failCall = (error: unknown): void => {
      if (record === undefined) {
        fail(op, id, entry, error);
      } else {
        const outcome = errorMessage(id, normalizeError(error, entry, logger));
        record(outcome);
        finish(op, outcome, entry.path);
      }
      settleCall();
    };
    function settleCall(): void {
      op.clearDeadline();
      deps.release(id, op);
    }
    let output: unknown;
    try {
      output = invokeCall(entry, message.input, deps.context(), op);
    } catch (error) {
      failCall(error);
      return undefined;
    }
    if (isPromiseLike(output)) return Promise.resolve(output).then(succeed, failCall);
    succeed(output);
    return undefined;
  }

  /**
   * Runs a subscription: pulls its handler and sends each event, and, while the
   * connection is over the high-water mark, applies the contract's `overflow`
   * policy: wait (`pause`), hold the newest events and send them once the client
   * reads (`latest`, `dropOldest`), or end with SLOW_CONSUMER (`end`).
   * @see PROTOCOL.md#subscribe
   */
  async function runSubscription(op: Operation, entry: ProcedureEntry, message: SubscribeMessage): Promise<void> {
    const { id } = message;
    const { overflow } = entry.procedure['~rpc'];
    let iterator: AsyncIterator<unknown, undefined> | undefined;
    let stopping: Promise<unknown> | undefined;
    const stop = (): void => {
      stopping ??= iterator?.return?.().catch((error: unknown) => {
        logger.error(`subscription "${entry.path}" failed while finishing`, { connectionId: deps.connectionId, error });
      });
    };
    /** An event could not be encoded: the subscription ended with INTERNAL_SERVER_ERROR. */
    let failed = false;
    const isLive = (): boolean => !failed && !op.isAborted();

    /** Sends one item (event or gap); returns whether the subscription goes on. */
    const deliver = (item: unknown): boolean => {
      if (!send(eventMessage(id, item), entry.path)) {
        op.answer(RpcErrorCode.InternalServerError);
        failed = true;
        stop();
        return false;
      }
      entry.observer?.eventSent();
      return true;
    };

    const held = overflowBuffer(entry);
    /** Whether `flush` runs: it is the only sender while items are held, which keeps events in order. */
    let flushing = false;
    let flushed: Promise<void> = Promise.resolve();
    /** Sends the held items while the client reads; waits for it (slow-consumer timeout included) when it stops. */
    const flush = async (buffer: OverflowBuffer): Promise<void> => {
      try {
        while (buffer.size > 0 && isLive()) {
          await deps.writable();
          while (buffer.size > 0 && isLive() && !writer.isOverHighWaterMark()) deliver(buffer.shift());
        }
      } finally {
        // Cleared synchronously when the loop ends, so an item held right after starts a new flush.
        flushing = false;
      }
    };
    const startFlush = (): Promise<void> => {
      if (held !== undefined && held.size > 0 && !flushing) {
        flushing = true;
        flushed = flush(held);
      }
      return flushed;
    };

    /** Handles one item the handler yielded under the overflow policy; returns whether to pull the next one. */
    const accept = async (item: unknown): Promise<boolean> => {
      switch (overflow.policy) {
        case 'pause':
          if (!deliver(item)) return false;
          await deps.writable();
          return isLive();
        case 'end':
          if (writer.isOverHighWaterMark()) {
            const slow = new RpcError(RpcErrorCode.SlowConsumer, SLOW_CONSUMER_MESSAGE);
            finish(op, errorMessage(id, slow), entry.path);
            op.abort(slow);
            return false;
          }
          return deliver(item);
        case 'latest':
        case 'dropOldest':
          if (held === undefined || (held.size === 0 && !writer.isOverHighWaterMark())) return deliver(item);
          held.push(item);
          void startFlush();
          return true;
      }
    };

    let pulled = 0;
    try {
      iterator = await openSubscription(entry, message.input, deps.context(), op, message.lastEventId);
      // Ask the generator to finish as soon as the operation is aborted, even while it awaits.
      op.signal.addEventListener('abort', stop, { once: true });
      while (isLive()) {
        const step = await iterator.next();
        if (!isLive()) break;
        if (step.done === true) {
          // Events still held go out before `complete`.
          await startFlush();
          if (isLive()) finish(op, { type: MessageType.Complete, id }, entry.path);
          break;
        }
        if (!(await accept(step.value))) break;
        // A generator that never awaits, on a socket that never fills (or under a policy that keeps
        // pulling), would run on microtasks alone and starve the event loop: no cancel, close or
        // heartbeat would ever be read. Yield now and then.
        pulled += 1;
        if (pulled % EVENTS_PER_TURN === 0) await yieldToEventLoop();
      }
    } catch (error) {
      // Events pulled before the failure go out before the error.
      await startFlush();
      fail(op, id, entry, error);
    } finally {
      stop();
      await stopping;
      await flushed;
      op.clearDeadline();
      deps.release(id, op);
    }
  }

  return { runCall, runSubscription, finish };
}

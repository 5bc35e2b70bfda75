import { RpcError } from '@wirecall/schema';
import {
  encodeEventHead,
  MessageType,
  RpcErrorCode,
  type CallMessage,
  type ErrorMessage,
  type ServerMessage,
  type SubscribeMessage,
} from '@wirecall/schema/protocol';

import type { CallOutcome } from './delivery/call-window.js';
import { OverflowBuffer } from './delivery/overflow-buffer.js';
import type { PushSource } from './delivery/push-source.js';
import { sharedFrame, type SharedFrame } from './delivery/shared-events.js';
import { Gap, Tracked } from './delivery/tracked.js';
import type { FrameWriter } from './frame-writer.js';
import { invokeCall, openSubscription, type SubscriptionIterator } from './invoke.js';
import { isPromiseLike, type MaybePromise } from './validate.js';
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

/** What the runner needs from its connection. */
export interface OperationRunnerDeps {
  readonly id: string;
  readonly writer: FrameWriter;
  readonly logger: Logger;
  /** Resolves once the client has read enough for subscriptions to go on (see `sendHighWaterMarkBytes`). */
  writable(): Promise<void>;
  /** The current connection context (it changes on re-authentication). */
  context(): unknown;
  /** Called once an operation has fully ended (its handler returned, its generator finished): forget its id. */
  release(id: string, op: Operation): void;
}

/**
 * Takes each call and subscription of one connection from start to final message.
 * Its only state is its connection: a connection costs one small object here, however
 * many operations it runs.
 */
export class OperationRunner {
  readonly #deps: OperationRunnerDeps;

  constructor(deps: OperationRunnerDeps) {
    this.#deps = deps;
  }

  /** Writes a message; a payload that cannot be encoded becomes INTERNAL_SERVER_ERROR. Returns whether it was sent. */
  #send(message: ReplyMessage, path: string): boolean {
    const { writer, logger } = this.#deps;
    try {
      writer.write(message);
      return true;
    } catch (error) {
      logger.error(`could not encode a "${message.type}" message of "${path}"`, { connectionId: this.#deps.id, error });
      writer.write(errorMessage(message.id, new RpcError(RpcErrorCode.InternalServerError, 'Internal server error')));
      return false;
    }
  }

  /**
   * Writes an event of a push source (an event log), whose data every subscriber
   * shares: encoded once per codec, not once per subscriber, after `head` (the
   * subscription's `encodeEventHead`); subscribers with equal heads share the
   * whole frame (see `sharedFrame`). Returns whether it was sent.
   */
  #sendShared(head: string, id: string, event: Tracked<unknown>, path: string): boolean {
    const { writer } = this.#deps;
    let frame: SharedFrame;
    try {
      frame = sharedFrame(event, writer.codec, head);
    } catch {
      // The same failure, logged and answered as for any other message.
      return this.#send(eventMessage(id, event), path);
    }
    writer.writeEncoded(frame.text, frame.bytes);
    return true;
  }

  /** Sends the one final message of an operation, unless it already ended (cancel, timeout, close). */
  finish(op: Operation, message: ReplyMessage, path: string): void {
    if (!op.answer(outcomeOf(message))) return;
    op.clearDeadline();
    this.#send(message, path);
    if (message.type === MessageType.Error) {
      this.#deps.logger.debug?.('request failed', { connectionId: this.#deps.id, path, code: message.error.code });
    }
  }

  #fail(op: Operation, id: string, entry: ProcedureEntry, error: unknown): void {
    if (!op.answered) this.finish(op, errorMessage(id, normalizeError(error, entry, this.#deps.logger)), entry.path);
  }

  /**
   * Runs a call; returns a promise only when something in it was asynchronous.
   * `record` receives the final message even if the operation was answered
   * meanwhile (a mutation's session keeps it for retries). A synchronous call
   * makes no closure and no promise.
   */
  runCall(
    op: Operation,
    entry: ProcedureEntry,
    message: CallMessage,
    record?: (outcome: CallOutcome) => void,
  ): Promise<void> | undefined {
    let output: unknown;
    try {
      output = invokeCall(entry, message.input, this.#deps.context(), op);
    } catch (error) {
      this.#callFailed(op, entry, message.id, error, record);
      return undefined;
    }
    if (isPromiseLike(output)) {
      const { id } = message;
      return Promise.resolve(output).then(
        (value) => {
          this.#callSucceeded(op, entry, id, value, record);
        },
        (error: unknown) => {
          this.#callFailed(op, entry, id, error, record);
        },
      );
    }
    this.#callSucceeded(op, entry, message.id, output, record);
    return undefined;
  }

  #callSucceeded(op: Operation, entry: ProcedureEntry, id: string, output: unknown, record?: (outcome: CallOutcome) => void): void {
    const outcome: CallOutcome = { type: MessageType.Result, id, output };
    record?.(outcome);
    this.finish(op, outcome, entry.path);
    this.#callSettled(op, id);
  }

  #callFailed(op: Operation, entry: ProcedureEntry, id: string, error: unknown, record?: (outcome: CallOutcome) => void): void {
    if (record === undefined) {
      this.#fail(op, id, entry, error);
    } else {
      const outcome = errorMessage(id, normalizeError(error, entry, this.#deps.logger));
      record(outcome);
      this.finish(op, outcome, entry.path);
    }
    this.#callSettled(op, id);
  }

  #callSettled(op: Operation, id: string): void {
    op.clearDeadline();
    this.#deps.release(id, op);
  }

  /**
   * Runs a subscription: pulls its handler and sends each event, and, while the
   * connection is over the high-water mark, applies the contract's `overflow`
   * policy: wait (`pause`), hold the newest events and send them once the client
   * reads (`latest`, `dropOldest`), or end with SLOW_CONSUMER (`end`).
   * @see PROTOCOL.md#subscribe
   */
  async runSubscription(op: Operation, entry: ProcedureEntry, message: SubscribeMessage): Promise<void> {
    const deps = this.#deps;
    const { writer, logger } = deps;
    const { id } = message;
    const { overflow } = entry.procedure['~rpc'];
    let iterator: SubscriptionIterator | undefined;
    let stopping: Promise<unknown> | undefined;
    const stop = (): void => {
      stopping ??= iterator?.return?.().catch((error: unknown) => {
        logger.error(`subscription "${entry.path}" failed while finishing`, { connectionId: deps.id, error });
      });
    };
    /** An event could not be encoded: the subscription ended with INTERNAL_SERVER_ERROR. */
    let failed = false;
    const isLive = (): boolean => !failed && !op.isAborted();

    /** The start of this subscription's event messages, made by its first shared event. */
    let head: string | undefined;
    /**
     * Sends one item (event or gap); returns whether the subscription goes on.
     * `shared` items come from a push source, which hands the same event to every subscriber.
     */
    const deliver = (item: unknown, shared = false): boolean => {
      const sent =
        shared && item instanceof Tracked
          ? this.#sendShared((head ??= encodeEventHead(id)), id, item, entry.path)
          : this.#send(eventMessage(id, item), entry.path);
      if (!sent) {
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
    const accept = (item: unknown): boolean | Promise<boolean> => {
      switch (overflow.policy) {
        case 'pause':
          if (!deliver(item)) return false;
          // Synchronous unless the client is behind: an event then costs no extra promise.
          return writer.isOverHighWaterMark() ? deps.writable().then(isLive) : isLive();
        case 'end':
          if (writer.isOverHighWaterMark()) {
            const slow = new RpcError(RpcErrorCode.SlowConsumer, SLOW_CONSUMER_MESSAGE);
            this.finish(op, errorMessage(id, slow), entry.path);
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

    /**
     * Delivers what an event log publishes as it is published, synchronously:
     * while the client keeps up, an event costs no promise and no microtask.
     * Resolves when the subscription ends (abort, or a write that failed).
     */
    const pushAll = (push: PushSource<MaybePromise<unknown>>): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        let sent = 0;
        /** An item taken while the client was behind, sent first once it reads. */
        let taken: unknown;
        const drain = (): void => {
          try {
            while (isLive()) {
              // Taken before the high-water check: after the last event of a publish, the check is skipped.
              const item = taken ?? push.take();
              taken = undefined;
              if (item === undefined) {
                // A source that ended (e.g. its log was closed) completes through `next()` below.
                if (push.ended()) break;
                push.watch(drain);
                return;
              }
              if (writer.isOverHighWaterMark()) {
                taken = item;
                deps.writable().then(drain, reject);
                return;
              }
              if (isPromiseLike(item)) {
                Promise.resolve(item).then((checked) => {
                  if (isLive() && deliver(checked, true)) drain();
                  else resolve();
                }, reject);
                return;
              }
              if (!deliver(item, true)) break;
              // A burst of published events: let the event loop run now and then (see below).
              sent += 1;
              if (sent % EVENTS_PER_TURN === 0) {
                setImmediate(drain);
                return;
              }
            }
            resolve();
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        };
        op.signal.addEventListener('abort', () => {
          resolve();
        }, { once: true });
        drain();
      });

    let pulled = 0;
    try {
      iterator = await openSubscription(entry, message.input, deps.context(), op, message.lastEventId);
      // Ask the generator to finish as soon as the operation is aborted, even while it awaits.
      op.signal.addEventListener('abort', stop, { once: true });
      if (iterator.push !== undefined && overflow.policy === 'pause') await pushAll(iterator.push);
      while (isLive()) {
        const step = await iterator.next();
        if (!isLive()) break;
        if (step.done === true) {
          // Events still held go out before `complete`.
          await startFlush();
          if (isLive()) this.finish(op, { type: MessageType.Complete, id }, entry.path);
          break;
        }
        const accepted = accept(step.value);
        if (!(typeof accepted === 'boolean' ? accepted : await accepted)) break;
        // A generator that never awaits, on a socket that never fills (or under a policy that keeps
        // pulling), would run on microtasks alone and starve the event loop: no cancel, close or
        // heartbeat would ever be read. Yield now and then.
        pulled += 1;
        if (pulled % EVENTS_PER_TURN === 0) await yieldToEventLoop();
      }
    } catch (error) {
      // Events pulled before the failure go out before the error.
      await startFlush();
      this.#fail(op, id, entry, error);
    } finally {
      stop();
      await stopping;
      await flushed;
      op.clearDeadline();
      deps.release(id, op);
    }
  }

}

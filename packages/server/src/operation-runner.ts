import { RpcError } from '@wirecall/schema';
import {
  MessageType,
  RpcErrorCode,
  type CallMessage,
  type ServerMessage,
  type SubscribeMessage,
} from '@wirecall/schema/protocol';

import type { FrameWriter } from './frame-writer.js';
import { invokeCall, openSubscription } from './invoke.js';
import { isPromiseLike } from './validate.js';
import type { Logger } from './logger.js';
import { normalizeError } from './normalize-error.js';
import type { Operation } from './operation.js';
import type { ProcedureEntry } from './procedure-table.js';

/** Events a subscription sends before it lets the event loop run I/O and timers. */
const EVENTS_PER_TURN = 256;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A server message that answers one request. */
export type ReplyMessage = Extract<ServerMessage, { id: string }>;

/** The `error` message for request `id`. */
export function errorMessage(id: string, error: RpcError): ReplyMessage {
  return { type: MessageType.Error, id, error: error.toWire() };
}

/** Runs the operations of one connection and writes their replies. */
export interface OperationRunner {
  /** Runs a call; returns a promise only when something in it was asynchronous. */
  readonly runCall: (op: Operation, entry: ProcedureEntry, message: CallMessage) => Promise<void> | undefined;
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
    if (!op.answer()) return;
    op.clearDeadline();
    send(message, path);
  }

  function fail(op: Operation, id: string, entry: ProcedureEntry, error: unknown): void {
    if (!op.answered) finish(op, errorMessage(id, normalizeError(error, entry, logger)), entry.path);
  }

  function runCall(op: Operation, entry: ProcedureEntry, message: CallMessage): Promise<void> | undefined {
    const { id } = message;
    const succeed = (output: unknown): void => {
      finish(op, { type: MessageType.Result, id, output }, entry.path);
      settleCall();
    };
    const failCall = (error: unknown): void => {
      fail(op, id, entry, error);
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

  async function runSubscription(op: Operation, entry: ProcedureEntry, message: SubscribeMessage): Promise<void> {
    const { id } = message;
    let iterator: AsyncIterator<unknown, undefined> | undefined;
    let stopping: Promise<unknown> | undefined;
    const stop = (): void => {
      stopping ??= iterator?.return?.().catch((error: unknown) => {
        logger.error(`subscription "${entry.path}" failed while finishing`, { connectionId: deps.connectionId, error });
      });
    };
    let sent = 0;
    try {
      iterator = await openSubscription(entry, message.input, deps.context(), op, message.lastEventId);
      // Ask the generator to finish as soon as the operation is aborted, even while it awaits.
      op.signal.addEventListener('abort', stop, { once: true });
      while (!op.isAborted()) {
        const step = await iterator.next();
        if (op.isAborted()) break;
        if (step.done === true) {
          finish(op, { type: MessageType.Complete, id }, entry.path);
          break;
        }
        if (!send({ type: MessageType.Event, id, data: step.value }, entry.path)) {
          op.answer();
          break;
        }
        await deps.writable();
        // A generator that never awaits, on a socket that never fills, would run on microtasks alone
        // and starve the event loop: no cancel, close or heartbeat would ever be read. Yield now and then.
        sent += 1;
        if (sent % EVENTS_PER_TURN === 0) await yieldToEventLoop();
      }
    } catch (error) {
      fail(op, id, entry, error);
    } finally {
      stop();
      await stopping;
      op.clearDeadline();
      deps.release(id, op);
    }
  }

  return { runCall, runSubscription, finish };
}

import { RpcError } from '@wirecall/schema';
import {
  CloseCode,
  decodeClientFrame,
  limitCloseReason,
  MessageType,
  RpcErrorCode,
  type CallMessage,
  type ClientMessage,
  type Codec,
  type ServerMessage,
  type SubscribeMessage,
} from '@wirecall/schema/protocol';

import { createFrameWriter } from './frame-writer.js';
import { invokeCall, openSubscription } from './invoke.js';
import type { Logger } from './logger.js';
import { normalizeError } from './normalize-error.js';
import { Operation } from './operation.js';
import type { ProcedureEntry } from './procedure-table.js';
import type { TransportSocket } from './transport.js';

/** What a connection needs from the server that owns it. */
export interface ConnectionDeps {
  readonly id: string;
  readonly socket: TransportSocket;
  readonly codec: Codec;
  readonly procedures: ReadonlyMap<string, ProcedureEntry>;
  readonly logger: Logger;
  readonly sendHighWaterMarkBytes: number;
}

/**
 * Lifecycle of a connection. `opening`: the context is being built and the
 * socket is paused. `ready`: messages are handled. `closing`: the server sent
 * `goaway` and a close frame. `closed`: the socket is gone.
 */
export type ConnectionState = 'opening' | 'ready' | 'closing' | 'closed';

/** The server side of one WebSocket: dispatches messages and owns every live operation. */
export interface Connection {
  readonly id: string;
  readonly state: ConnectionState;
  /** Moves from `opening` to `ready` with the connection context. */
  readonly open: (ctx: unknown) => void;
  /** Handles one text frame. */
  readonly receive: (data: string) => void;
  /** Handles one binary frame: v1 does not speak binary, so the connection is closed. */
  readonly receiveBinary: () => void;
  /** Closes the socket with `code` and aborts everything (e.g. on a protocol violation). */
  readonly closeWith: (code: number, reason: string) => void;
  /** Sends `goaway`, aborts every operation and closes with 1001. */
  readonly shutdown: (reason: string) => void;
  /** Called by the adapter once the socket is closed, whoever closed it. */
  readonly handleClose: () => void;
  /** Resolves once every handler of this connection has returned and every generator has finished. */
  readonly settled: () => Promise<void>;
}

/** Quotes a client-supplied path for an error message, cut so that errors stay small. */
function quotePath(path: string): string {
  return JSON.stringify(path.length > 64 ? `${path.slice(0, 64)}...` : path);
}

/** A server message that answers one request. */
type ReplyMessage = Extract<ServerMessage, { id: string }>;

function errorMessage(id: string, error: RpcError): ReplyMessage {
  return { type: MessageType.Error, id, error: error.toWire() };
}

/** Creates the connection for one accepted socket, in state `opening`. */
export function createConnection(deps: ConnectionDeps): Connection {
  const { socket, procedures, logger } = deps;
  const writer = createFrameWriter(socket, deps.codec, deps.sendHighWaterMarkBytes, (error) => {
    logger.warn('write to socket failed', { connectionId: deps.id, error });
  });
  const operations = new Map<string, Operation>();
  const tasks = new Set<Promise<void>>();
  let state: ConnectionState = 'opening';
  let ctx: unknown;

  function track(task: Promise<void>): void {
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  }

  /** Writes a message; a payload that cannot be encoded becomes INTERNAL_SERVER_ERROR. Returns whether it was sent. */
  function send(message: ReplyMessage, path: string): boolean {
    try {
      writer.write(message);
      return true;
    } catch (error) {
      logger.error(`could not encode a "${message.type}" message of "${path}"`, { connectionId: deps.id, error });
      writer.write(errorMessage(message.id, new RpcError(RpcErrorCode.InternalServerError, 'Internal server error')));
      return false;
    }
  }

  /** Sends the one final message of an operation, unless it already ended (cancel, timeout, close). */
  function finish(op: Operation, message: ReplyMessage, path: string): void {
    if (op.answered) return;
    op.answered = true;
    op.clearDeadline();
    send(message, path);
  }

  function reject(id: string, code: RpcErrorCode, message: string): void {
    writer.write(errorMessage(id, new RpcError(code, message)));
  }

  async function runCall(op: Operation, entry: ProcedureEntry, message: CallMessage): Promise<void> {
    const { id } = message;
    try {
      const output = await invokeCall(entry, message.input, ctx, op);
      finish(op, { type: MessageType.Result, id, output }, entry.path);
    } catch (error) {
      if (!op.answered) finish(op, errorMessage(id, normalizeError(error, entry, logger)), entry.path);
    } finally {
      op.clearDeadline();
      operations.delete(id);
    }
  }

  async function runSubscription(op: Operation, entry: ProcedureEntry, message: SubscribeMessage): Promise<void> {
    const { id } = message;
    let iterator: AsyncIterator<unknown, undefined> | undefined;
    let stopping: Promise<unknown> | undefined;
    const stop = (): void => {
      stopping ??= iterator?.return?.().catch((error: unknown) => {
        logger.error(`subscription "${entry.path}" failed while finishing`, { connectionId: deps.id, error });
      });
    };
    try {
      iterator = await openSubscription(entry, message.input, ctx, op, message.lastEventId);
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
          op.answered = true;
          break;
        }
        await writer.writable();
      }
    } catch (error) {
      if (!op.answered) finish(op, errorMessage(id, normalizeError(error, entry, logger)), entry.path);
    } finally {
      stop();
      await stopping;
      op.clearDeadline();
      operations.delete(id);
    }
  }

  function start(message: CallMessage | SubscribeMessage): void {
    const { id, path } = message;
    const entry = procedures.get(path);
    if (entry === undefined) {
      reject(id, RpcErrorCode.NotFound, `no procedure at ${quotePath(path)}`);
      return;
    }
    const isSubscription = entry.procedure['~rpc'].kind === 'subscription';
    if (isSubscription !== (message.type === MessageType.Subscribe)) {
      const kind = entry.procedure['~rpc'].kind;
      const expected = isSubscription ? MessageType.Subscribe : MessageType.Call;
      reject(id, RpcErrorCode.MethodNotSupported, `${quotePath(path)} is a ${kind}: send "${expected}", not "${message.type}"`);
      return;
    }
    if (operations.has(id)) {
      reject(id, RpcErrorCode.Conflict, `id "${id}" is already used by a live request`);
      return;
    }
    const op = new Operation();
    operations.set(id, op);
    if (message.timeoutMs !== undefined) {
      op.setDeadline(message.timeoutMs, () => {
        const timeout = new RpcError(RpcErrorCode.Timeout, `deadline of ${String(message.timeoutMs)} ms exceeded`);
        finish(op, errorMessage(id, timeout), path);
        op.abort(timeout);
      });
    }
    track(message.type === MessageType.Call ? runCall(op, entry, message) : runSubscription(op, entry, message));
  }

  function handle(message: ClientMessage): void {
    switch (message.type) {
      case MessageType.Call:
      case MessageType.Subscribe:
        start(message);
        return;
      case MessageType.Cancel: {
        const op = operations.get(message.id);
        if (op === undefined || op.answered) return;
        op.answered = true;
        op.abort(new RpcError(RpcErrorCode.Cancelled, 'cancelled by the client'));
        return;
      }
      case MessageType.Ping:
        writer.write({ type: MessageType.Pong });
        return;
    }
  }

  function isReady(): boolean {
    return state === 'ready';
  }

  function abortAll(reason: RpcError): void {
    for (const op of operations.values()) {
      op.answered = true;
      op.abort(reason);
    }
  }

  function closeWith(code: number, reason: string): void {
    if (state === 'closing' || state === 'closed') return;
    state = 'closing';
    abortAll(new RpcError(RpcErrorCode.ConnectionLost, reason));
    writer.end();
    // A connection refused while `opening` is still paused: read again, or the peer's close frame is never seen.
    socket.resume();
    socket.close(code, limitCloseReason(reason));
  }

  return {
    id: deps.id,
    get state() {
      return state;
    },
    open(context) {
      if (state !== 'opening') return;
      ctx = context;
      state = 'ready';
    },
    receive(data) {
      if (state !== 'ready') return;
      let decoded;
      try {
        decoded = decodeClientFrame(data, deps.codec);
      } catch (error) {
        closeWith(CloseCode.BadMessage, error instanceof Error ? error.message : 'bad message');
        return;
      }
      for (const item of decoded) {
        // A message of this batch may have closed the connection.
        if (!isReady()) return;
        if (item.ok) handle(item.message);
        else if (item.id === undefined) closeWith(CloseCode.BadMessage, item.error.message);
        else reject(item.id, RpcErrorCode.BadRequest, item.error.message);
      }
    },
    receiveBinary() {
      closeWith(CloseCode.UnsupportedData, 'binary frames are not supported; send text frames');
    },
    closeWith,
    shutdown(reason) {
      if (state === 'closing' || state === 'closed') return;
      writer.write({ type: MessageType.GoAway, reason });
      closeWith(CloseCode.GoingAway, reason);
    },
    handleClose() {
      if (state === 'closed') return;
      state = 'closed';
      abortAll(new RpcError(RpcErrorCode.ConnectionLost, 'connection closed'));
      writer.end();
    },
    async settled() {
      while (tasks.size > 0) await Promise.allSettled(tasks);
    },
  };
}

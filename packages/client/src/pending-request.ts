import type { RpcError } from '@wirecall/schema';
import {
  MessageType,
  type CallMessage,
  type CompleteMessage,
  type ErrorMessage,
  type EventMessage,
  type GapMessage,
  type ResultMessage,
  type SubscribeMessage,
} from '@wirecall/schema/protocol';

/** A server message addressed to one request. */
export type ReplyMessage = ResultMessage | ErrorMessage | EventMessage | CompleteMessage | GapMessage;

/**
 * What to do with a request on the wire when the connection drops:
 * `'resend'` it on the next connection (queries, subscriptions), resend it
 * `'once'` through the server's session (mutations: the server runs it at most
 * once), or `'fail'` it with CONNECTION_LOST.
 */
export type LostPolicy = 'resend' | 'once' | 'fail';

/** Receives what happens to one request. */
export interface RequestSink {
  /** A reply arrived. Returns `true` when it ends the request (result, error, complete). */
  reply(message: ReplyMessage): boolean;
  /** The request ended without a final reply: timeout, connection lost, or a local refusal. */
  fail(error: RpcError): void;
  /** The caller's `AbortSignal` fired. */
  abort(reason: unknown): void;
}

/** Where a subscription resumes: the id of the last event delivered, updated as events arrive. */
export interface Cursor {
  lastEventId: string | undefined;
}

/**
 * A call or subscription the client started and that has not ended. A class,
 * not an object of closures: a request is made per call, and its methods then
 * cost it nothing (see docs/performance.md).
 */
export class PendingRequest {
  /** Whether it is on the wire; kept by the `RequestRegistry`. */
  sent = false;
  /** Sent on a connection that dropped before the answer came: it may have run, so it is resent as a `retry`. */
  interrupted = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  readonly id: string;
  readonly kind: 'call' | 'subscription';
  readonly path: string;
  readonly input: unknown;
  readonly onLost: LostPolicy;
  readonly meta: Readonly<Record<string, string>> | undefined;
  /** `Date.now()` after which the request times out, if it has a timeout. */
  readonly deadline: number | undefined;
  readonly sink: RequestSink;
  /** Subscriptions only: the resume point sent as `lastEventId`. */
  readonly cursor: Cursor | undefined;

  constructor(
    id: string,
    kind: 'call' | 'subscription',
    path: string,
    input: unknown,
    onLost: LostPolicy,
    meta: Readonly<Record<string, string>> | undefined,
    deadline: number | undefined,
    sink: RequestSink,
    cursor?: Cursor,
  ) {
    this.id = id;
    this.kind = kind;
    this.path = path;
    this.input = input;
    this.onLost = onLost;
    this.meta = meta;
    this.deadline = deadline;
    this.sink = sink;
    this.cursor = cursor;
  }

  /** Runs `onTimeout` when the deadline passes and `onAbort` when `signal` fires, until `dispose()`. */
  watch(signal: AbortSignal | undefined, onAbort: () => void, onTimeout: () => void): void {
    if (this.deadline !== undefined) this.#timer = setTimeout(onTimeout, this.deadline - Date.now());
    if (signal === undefined) return;
    this.#signal = signal;
    this.#onAbort = onAbort;
    signal.addEventListener('abort', onAbort, { once: true });
  }

  /** The message to send, built at send time so that a queued call carries its remaining deadline. */
  toMessage(): CallMessage | SubscribeMessage {
    const { id, path, input, meta, deadline } = this;
    const message: CallMessage | SubscribeMessage =
      this.kind === 'call' ? { type: MessageType.Call, id, path, input } : { type: MessageType.Subscribe, id, path, input };
    if (deadline !== undefined) message.timeoutMs = Math.max(1, Math.ceil(deadline - Date.now()));
    if (meta !== undefined) message.meta = { ...meta };
    if (message.type === MessageType.Call) {
      if (this.interrupted) message.retry = true;
    } else {
      const lastEventId = this.cursor?.lastEventId;
      if (lastEventId !== undefined) message.lastEventId = lastEventId;
    }
    return message;
  }

  /** Clears the request's timer and signal listener. */
  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}

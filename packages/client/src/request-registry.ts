import type { RpcError } from '@wirecall/schema';
import type {
  CallMessage,
  CompleteMessage,
  ErrorMessage,
  EventMessage,
  GapMessage,
  ResultMessage,
  SubscribeMessage,
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
  readonly reply: (message: ReplyMessage) => boolean;
  /** The request ended without a final reply: timeout, connection lost, or a local refusal. */
  readonly fail: (error: RpcError) => void;
  /** The caller's `AbortSignal` fired. */
  readonly abort: (reason: unknown) => void;
}

/** A call or subscription the client started and that has not ended. */
export interface PendingRequest {
  readonly id: string;
  readonly kind: 'call' | 'subscription';
  readonly onLost: LostPolicy;
  /** Sent on a connection that dropped before the answer came: it may have run, so it is resent as a `retry`. */
  interrupted: boolean;
  /** Builds the message to send; called at send time so a queued call carries its remaining deadline. */
  readonly toMessage: () => CallMessage | SubscribeMessage;
  readonly sink: RequestSink;
  /** Clears the request's timer and signal listener. */
  readonly dispose: () => void;
}

/**
 * Every live request of a client by id, from the moment it is issued until it
 * ends, and which of them are on the wire. Requests wait here unsent until the
 * connection is open (and a slot under the server's limits is free); when a
 * socket is lost, sent subscriptions go back to unsent (to resubscribe) and
 * sent calls are taken out and failed.
 */
export class RequestRegistry {
  #requests = new Map<string, PendingRequest>();
  #sent = new Set<string>();
  /** Requests waiting to be sent, by kind, in the order they became ready: a pump visits only these. */
  #waiting = { call: new Set<PendingRequest>(), subscription: new Set<PendingRequest>() };
  #sentCalls = 0;

  /** Number of live requests. */
  get size(): number {
    return this.#requests.size;
  }

  /** Calls on the wire (sent, not yet answered). */
  get sentCalls(): number {
    return this.#sentCalls;
  }

  /** Subscriptions on the wire. */
  get sentSubscriptions(): number {
    return this.#sent.size - this.#sentCalls;
  }

  /** Registers a request; it waits until `markSent`. */
  add(request: PendingRequest): void {
    this.#requests.set(request.id, request);
    this.#waiting[request.kind].add(request);
  }

  get(id: string): PendingRequest | undefined {
    return this.#requests.get(id);
  }

  isSent(id: string): boolean {
    return this.#sent.has(id);
  }

  markSent(request: PendingRequest): void {
    if (this.#sent.has(request.id)) return;
    this.#sent.add(request.id);
    this.#waiting[request.kind].delete(request);
    if (request.kind === 'call') this.#sentCalls += 1;
  }

  /** The request is no longer on the wire but still live: it waits to be sent again. */
  markUnsent(request: PendingRequest): void {
    if (!this.#sent.delete(request.id)) return;
    if (request.kind === 'call') this.#sentCalls -= 1;
    if (this.#requests.has(request.id)) this.#waiting[request.kind].add(request);
  }

  /** Removes the request and disposes of its timer and listener. Returns it if it was live. */
  delete(id: string): PendingRequest | undefined {
    const request = this.#requests.get(id);
    if (request === undefined) return undefined;
    this.#requests.delete(id);
    this.markUnsent(request);
    this.#waiting[request.kind].delete(request);
    request.dispose();
    return request;
  }

  /** Requests of `kind` waiting to be sent, oldest first; safe to mark them sent while iterating. */
  waiting(kind: PendingRequest['kind']): ReadonlySet<PendingRequest> {
    return this.#waiting[kind];
  }

  /** Every live request, in the order they were issued. */
  all(): PendingRequest[] {
    return [...this.#requests.values()];
  }
}

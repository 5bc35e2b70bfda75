import type { RpcError } from '@wirecall/schema';
import type {
  CallMessage,
  CompleteMessage,
  ErrorMessage,
  EventMessage,
  ResultMessage,
  SubscribeMessage,
} from '@wirecall/schema/protocol';

/** A server message addressed to one request. */
export type ReplyMessage = ResultMessage | ErrorMessage | EventMessage | CompleteMessage;

/** Receives what happens to one request. */
export interface RequestSink {
  /** A reply arrived. Returns `true` when it ends the request (result, error, complete). */
  readonly reply: (message: ReplyMessage) => boolean;
  /** The request ended without a final reply: timeout or connection lost. */
  readonly fail: (error: RpcError) => void;
  /** The caller's `AbortSignal` fired. */
  readonly abort: (reason: unknown) => void;
}

/** A call or subscription the client started and that has not ended. */
export interface PendingRequest {
  readonly id: string;
  /** Builds the message to send; called at send time so a queued call carries its remaining deadline. */
  readonly toMessage: () => CallMessage | SubscribeMessage;
  readonly sink: RequestSink;
  /** Whether the message went out on the current socket. */
  sent: boolean;
  /** Clears the request's timer and signal listener. */
  readonly dispose: () => void;
}

/**
 * Every live request of a client by id, from the moment it is issued until it
 * ends. Requests issued before the socket opens wait here unsent and go out on
 * open; when the connection is lost, every request is taken out and failed.
 */
export class RequestRegistry {
  #requests = new Map<string, PendingRequest>();

  /** Number of live requests. */
  get size(): number {
    return this.#requests.size;
  }

  add(request: PendingRequest): void {
    this.#requests.set(request.id, request);
  }

  get(id: string): PendingRequest | undefined {
    return this.#requests.get(id);
  }

  /** Removes the request and disposes of its timer and listener. Returns it if it was live. */
  delete(id: string): PendingRequest | undefined {
    const request = this.#requests.get(id);
    if (request === undefined) return undefined;
    this.#requests.delete(id);
    request.dispose();
    return request;
  }

  /** Requests not yet sent on the current socket, in the order they were issued. */
  unsent(): PendingRequest[] {
    return [...this.#requests.values()].filter((request) => !request.sent);
  }

  /** Removes and disposes of every request, returning them (to be failed by the caller). */
  drain(): PendingRequest[] {
    const requests = [...this.#requests.values()];
    this.#requests.clear();
    for (const request of requests) request.dispose();
    return requests;
  }
}

/**
 * What a reply does to the request it answers: a call's promise settles
 * (`CallSink`), a subscription's events, gaps and end reach its sink and move
 * its cursor (`StreamSink`).
 * @module
 */
import { RpcError } from '@wirecall/schema';
import { MessageType, RpcErrorCode } from '@wirecall/schema/protocol';

import { cancelled } from './errors.js';
import type { Cursor, ReplyMessage, RequestSink } from './pending-request.js';
import type { SubscriptionSink } from './subscription.js';

/** Settles the promise of one call: a class, so a call allocates no closures for it. */
export class CallSink implements RequestSink {
  readonly #resolve: (output: unknown) => void;
  readonly #reject: (error: unknown) => void;

  constructor(resolve: (output: unknown) => void, reject: (error: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  reply(message: ReplyMessage): boolean {
    if (message.type === MessageType.Result) this.#resolve(message.output);
    else if (message.type === MessageType.Error) this.#reject(RpcError.fromWire(message.error));
    else this.#reject(new RpcError(RpcErrorCode.InternalServerError, `unexpected "${message.type}" for a call`));
    return true;
  }

  fail(error: RpcError): void {
    this.#reject(error);
  }

  abort(reason: unknown): void {
    this.#reject(cancelled(reason));
  }
}

/**
 * Hands the replies of one subscription to its sink and keeps its cursor: a
 * class like `CallSink`, so each event runs shared prototype code.
 */
export class StreamSink implements RequestSink {
  readonly #cursor: Cursor;
  readonly #sink: SubscriptionSink<unknown>;

  constructor(cursor: Cursor, sink: SubscriptionSink<unknown>) {
    this.#cursor = cursor;
    this.#sink = sink;
  }

  reply(message: ReplyMessage): boolean {
    switch (message.type) {
      case MessageType.Event:
        if (message.eventId !== undefined) this.#cursor.lastEventId = message.eventId;
        this.#sink.next(message.data);
        return false;
      case MessageType.Gap:
        this.#sink.gap({ reason: message.reason });
        return false;
      case MessageType.Complete:
        this.#sink.complete();
        return true;
      case MessageType.Error:
        this.#sink.error(RpcError.fromWire(message.error));
        return true;
      case MessageType.Result:
        this.#sink.error(new RpcError(RpcErrorCode.InternalServerError, 'unexpected "result" for a subscription'));
        return true;
    }
  }

  fail(error: RpcError): void {
    this.#sink.error(error);
  }

  abort(): void {
    this.#sink.abort();
  }
}

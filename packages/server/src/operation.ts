import type { RpcError } from '@wirecall/schema';
import { RpcErrorCode } from '@wirecall/schema/protocol';

import type { OperationObserver } from './metrics/operation-observer.js';
import type { ProcedureEntry } from './procedure-table.js';

/** Per-request metadata: string keys and values sent by the client with one call or subscription. */
export type CallMeta = Readonly<Record<string, string>>;

const NO_META: CallMeta = Object.freeze({});

/** How an operation is created. */
export interface OperationOptions {
  readonly kind?: 'call' | 'subscription';
  readonly request?: { readonly entry: ProcedureEntry; readonly input: unknown } | undefined;
  readonly meta?: CallMeta | undefined;
  /** Told once, when the operation is answered: its slot under the connection's limits is free again. */
  readonly owner?: OperationOwner | undefined;
  /** A mutation whose outcome its session records: it runs to the end even if the connection drops. */
  readonly outlivesConnection?: boolean;
  /** The metrics of its procedure, told when it starts and when it is answered. Default: none (not counted). */
  readonly observer?: OperationObserver | undefined;
}

/** What holds an operation's slot (its connection): an object, so that operations need no closure of their own. */
export interface OperationOwner {
  operationAnswered(operation: Operation): void;
}

/**
 * One live call or subscription on the server. Its `AbortSignal` is created only
 * when a handler reads it, so calls whose handlers ignore the signal allocate
 * no controller.
 */
export class Operation {
  /** A call (query or mutation) or a subscription: limits count them apart. */
  readonly kind: 'call' | 'subscription';
  /** For subscriptions: the procedure and raw input, to re-check authorization after a re-authentication. */
  readonly request: { readonly entry: ProcedureEntry; readonly input: unknown } | undefined;
  /** Per-request metadata sent with the call (trace id, locale...), for the call context. */
  readonly meta: CallMeta;
  /** Runs to the end even if the connection drops (its session records the outcome for a retry). */
  readonly outlivesConnection: boolean;
  readonly #owner: OperationOwner | undefined;
  #answered = false;
  #controller: AbortController | undefined;
  #reason: RpcError | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #observer: OperationObserver | undefined;
  readonly #startedAt: number = 0;

  constructor(options: OperationOptions = {}) {
    this.kind = options.kind ?? 'call';
    this.request = options.request;
    this.meta = options.meta ?? NO_META;
    this.outlivesConnection = options.outlivesConnection ?? false;
    this.#owner = options.owner;
    this.#observer = options.observer;
    if (this.#observer !== undefined) this.#startedAt = this.#observer.start();
  }

  /** Whether the operation has ended for its client: final message sent, cancelled, or connection gone. */
  get answered(): boolean {
    return this.#answered;
  }

  /**
   * Marks the operation answered; returns whether this call did it (so the final message is sent once).
   * `outcome` is what metrics count it under: `ok`, or the error code the client got. Default: the abort
   * reason's code, else CANCELLED (answered without a message, e.g. on the client's cancel).
   */
  answer(outcome?: string): boolean {
    if (this.#answered) return false;
    this.#answered = true;
    this.#owner?.operationAnswered(this);
    this.#observer?.end(outcome ?? this.#reason?.code ?? RpcErrorCode.Cancelled, this.#startedAt);
    return true;
  }

  /** Fires when the caller cancels, the deadline passes, or the connection goes away. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** A method, not a getter: it changes across `await`s, so it must not be narrowed like a field. */
  isAborted(): boolean {
    return this.#reason !== undefined;
  }

  /** Why the operation was aborted, if it was. */
  get reason(): RpcError | undefined {
    return this.#reason;
  }

  abort(reason: RpcError): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.clearDeadline();
    this.#controller?.abort(reason);
  }

  /** Calls `onExpired` after `timeoutMs` unless the operation ends first. */
  setDeadline(timeoutMs: number, onExpired: () => void): void {
    this.#timer = setTimeout(onExpired, timeoutMs);
  }

  clearDeadline(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

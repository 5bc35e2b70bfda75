import type { RpcError } from '@wirecall/schema';

/**
 * One live call or subscription on the server. Its `AbortSignal` is created only
 * when a handler reads it, so calls whose handlers ignore the signal allocate
 * no controller.
 */
export class Operation {
  #controller: AbortController | undefined;
  #reason: RpcError | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once a final message (result, error, complete) was sent, or the client cancelled. */
  answered = false;

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

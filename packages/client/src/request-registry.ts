import type { PendingRequest } from './pending-request.js';

/**
 * Every live request of a client by id, from the moment it is issued until it
 * ends, and which of them are on the wire. Requests wait here unsent until the
 * connection is open (and a slot under the server's limits is free); when a
 * socket is lost, sent subscriptions go back to unsent (to resubscribe) and
 * sent calls are taken out and failed.
 */
export class RequestRegistry {
  /**
   * The live requests: one (a client with one call in flight) in a field, more in a `Map`
   * made for the second and dropped once they have all ended. A `Map` that goes from one
   * entry to none reallocates its table (V8 shrinks it), which one call at a time would
   * pay for on every call.
   */
  #sole: PendingRequest | undefined;
  #more: Map<string, PendingRequest> | undefined;
  /** Requests waiting to be sent, by kind, in the order they became ready: a pump visits only these. */
  readonly #waitingCalls = new Set<PendingRequest>();
  readonly #waitingSubscriptions = new Set<PendingRequest>();
  #sentCalls = 0;
  #sentSubscriptions = 0;

  /** Number of live requests. */
  get size(): number {
    return this.#sole === undefined ? (this.#more?.size ?? 0) : 1;
  }

  /** Calls on the wire (sent, not yet answered). */
  get sentCalls(): number {
    return this.#sentCalls;
  }

  /** Subscriptions on the wire. */
  get sentSubscriptions(): number {
    return this.#sentSubscriptions;
  }

  /** Registers a request; it waits until `markSent`, unless `sending` (the caller sends it at once). */
  add(request: PendingRequest, sending = false): void {
    if (this.#more !== undefined) {
      this.#more.set(request.id, request);
    } else if (this.#sole === undefined) {
      this.#sole = request;
    } else {
      this.#more = new Map([[this.#sole.id, this.#sole]]).set(request.id, request);
      this.#sole = undefined;
    }
    if (!sending) this.#waitingOf(request.kind).add(request);
  }

  get(id: string): PendingRequest | undefined {
    return this.#sole?.id === id ? this.#sole : this.#more?.get(id);
  }

  markSent(request: PendingRequest): void {
    if (request.sent) return;
    request.sent = true;
    this.#waitingOf(request.kind).delete(request);
    this.#count(request, 1);
  }

  /** The request is no longer on the wire but still live: it waits to be sent again. */
  markUnsent(request: PendingRequest): void {
    if (!request.sent) return;
    request.sent = false;
    this.#count(request, -1);
    if (this.get(request.id) === request) this.#waitingOf(request.kind).add(request);
  }

  /** Removes the request and disposes of its timer and listener. Returns it if it was live. */
  delete(id: string): PendingRequest | undefined {
    const request = this.get(id);
    if (request !== undefined) this.remove(request);
    return request;
  }

  /** Removes a live request (one `get` returned) and disposes of its timer and listener. */
  remove(request: PendingRequest): void {
    if (this.#sole === request) {
      this.#sole = undefined;
    } else if (this.#more?.delete(request.id) === true && this.#more.size === 0) {
      this.#more = undefined;
    }
    // No longer registered, so `markUnsent` does not queue it again.
    if (request.sent) this.markUnsent(request);
    else this.#waitingOf(request.kind).delete(request);
    request.dispose();
  }

  /** Number of requests waiting to be sent (all live requests while disconnected). */
  get unsent(): number {
    return this.#waitingCalls.size + this.#waitingSubscriptions.size;
  }

  /** Requests of `kind` waiting to be sent, oldest first; safe to mark them sent while iterating. */
  waiting(kind: PendingRequest['kind']): ReadonlySet<PendingRequest> {
    return this.#waitingOf(kind);
  }

  /** Every live request, in the order they were issued. */
  all(): PendingRequest[] {
    if (this.#sole !== undefined) return [this.#sole];
    return this.#more === undefined ? [] : [...this.#more.values()];
  }

  /** Two fields rather than a record indexed by kind: a lookup by a string key on every call costs more than this branch. */
  #waitingOf(kind: PendingRequest['kind']): Set<PendingRequest> {
    return kind === 'call' ? this.#waitingCalls : this.#waitingSubscriptions;
  }

  #count(request: PendingRequest, delta: 1 | -1): void {
    if (request.kind === 'call') this.#sentCalls += delta;
    else this.#sentSubscriptions += delta;
  }
}

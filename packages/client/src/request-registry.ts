import type { PendingRequest } from './pending-request.js';
import { RequestTable } from './request-table.js';

/**
 * Every live request of a client by id, from the moment it is issued until it
 * ends, and which of them are on the wire. Requests wait here unsent until the
 * connection is open (and a slot under the server's limits is free); when a
 * socket is lost, sent subscriptions go back to unsent (to resubscribe) and
 * sent calls are taken out and failed.
 */
export class RequestRegistry {
  /** Live requests by kind: a reply is looked up among calls, then subscriptions. */
  readonly #calls = new RequestTable();
  readonly #subscriptions = new RequestTable();
  /** Requests waiting to be sent, by kind, in the order they became ready: a pump visits only these. */
  readonly #waitingCalls = new Set<PendingRequest>();
  readonly #waitingSubscriptions = new Set<PendingRequest>();
  #sentCalls = 0;
  #sentSubscriptions = 0;

  /** Number of live requests. */
  get size(): number {
    return this.#calls.size + this.#subscriptions.size;
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
    this.#tableOf(request.kind).add(request);
    if (!sending) this.#waitingOf(request.kind).add(request);
  }

  get(id: string): PendingRequest | undefined {
    return this.#calls.get(id) ?? this.#subscriptions.get(id);
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
    if (this.#tableOf(request.kind).get(request.id) === request) this.#waitingOf(request.kind).add(request);
  }

  /** Removes the request and disposes of its timer and listener. Returns it if it was live. */
  delete(id: string): PendingRequest | undefined {
    const request = this.get(id);
    if (request !== undefined) this.remove(request);
    return request;
  }

  /** Removes a live request (one `get` returned) and disposes of its timer and listener. */
  remove(request: PendingRequest): void {
    this.#tableOf(request.kind).remove(request);
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

  /** Every live request: the calls, then the subscriptions, each in the order they were issued. */
  all(): PendingRequest[] {
    return [...this.#calls.values(), ...this.#subscriptions.values()];
  }

  /** Two fields rather than a record indexed by kind: a lookup by a string key on every call costs more than this branch. */
  #waitingOf(kind: PendingRequest['kind']): Set<PendingRequest> {
    return kind === 'call' ? this.#waitingCalls : this.#waitingSubscriptions;
  }

  #tableOf(kind: PendingRequest['kind']): RequestTable {
    return kind === 'call' ? this.#calls : this.#subscriptions;
  }

  #count(request: PendingRequest, delta: 1 | -1): void {
    if (request.kind === 'call') this.#sentCalls += delta;
    else this.#sentSubscriptions += delta;
  }
}

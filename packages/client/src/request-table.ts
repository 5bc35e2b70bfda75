import type { PendingRequest } from './pending-request.js';

/**
 * The live requests of one kind by id, in the order they were issued. One
 * request is held in a field; a `Map` takes over from the second on and is
 * dropped once they have all ended. Calls and subscriptions have a table each,
 * so that a live subscription does not push every call into a map.
 *
 * Measured (docs/performance.md, "Client"): with one call in flight, a map that
 * goes from one entry to none has V8 reallocate its table on every call; and at
 * 256 calls in flight, the former registry (one map, made with the client) saw
 * young-generation collections of 3–6 ms that promoted megabytes each, against
 * under 0.5 ms and nothing promoted with these tables.
 */
export class RequestTable {
  #sole: PendingRequest | undefined;
  #more: Map<string, PendingRequest> | undefined;

  get size(): number {
    return this.#sole === undefined ? (this.#more?.size ?? 0) : 1;
  }

  get(id: string): PendingRequest | undefined {
    return this.#sole?.id === id ? this.#sole : this.#more?.get(id);
  }

  /** Adds a request whose id is not in use. */
  add(request: PendingRequest): void {
    if (this.#more !== undefined) {
      this.#more.set(request.id, request);
    } else if (this.#sole === undefined) {
      this.#sole = request;
    } else {
      this.#more = new Map([[this.#sole.id, this.#sole]]).set(request.id, request);
      this.#sole = undefined;
    }
  }

  /** Removes a request `get` returned. */
  remove(request: PendingRequest): void {
    if (this.#sole === request) {
      this.#sole = undefined;
    } else if (this.#more?.delete(request.id) === true && this.#more.size === 0) {
      this.#more = undefined;
    }
  }

  /** The live requests, oldest first. */
  values(): PendingRequest[] {
    if (this.#sole !== undefined) return [this.#sole];
    return this.#more === undefined ? [] : [...this.#more.values()];
  }
}

import type { Operation } from './operation.js';

/**
 * The live operations of one connection, by request id, in the order they
 * started. One operation (a connection with one call in flight, or one
 * subscription) is held in two fields: no `Map` is made per call, and an idle
 * connection holds none. A `Map` takes over from the second one on, and is
 * dropped again once every operation has ended.
 */
export class OperationTable {
  #soleId: string | undefined;
  #sole: Operation | undefined;
  #more: Map<string, Operation> | undefined;

  get(id: string): Operation | undefined {
    return id === this.#soleId ? this.#sole : this.#more?.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds an operation under an id that is not in use (see `has`). */
  add(id: string, op: Operation): void {
    if (this.#more !== undefined) {
      this.#more.set(id, op);
    } else if (this.#soleId === undefined) {
      this.#soleId = id;
      this.#sole = op;
    } else {
      this.#more = new Map([[this.#soleId, this.#sole as Operation]]).set(id, op);
      this.#soleId = undefined;
      this.#sole = undefined;
    }
  }

  /** Removes `id` if it is still `op`'s: once `op` was answered, its id may belong to a newer operation. */
  release(id: string, op: Operation): void {
    if (id === this.#soleId) {
      if (this.#sole !== op) return;
      this.#soleId = undefined;
      this.#sole = undefined;
      return;
    }
    const more = this.#more;
    if (more?.get(id) !== op) return;
    more.delete(id);
    if (more.size === 0) this.#more = undefined;
  }

  /** Every live operation with its id, oldest first; operations may be released while this runs. */
  *[Symbol.iterator](): IterableIterator<[string, Operation]> {
    if (this.#soleId !== undefined) yield [this.#soleId, this.#sole as Operation];
    else if (this.#more !== undefined) yield* this.#more;
  }
}

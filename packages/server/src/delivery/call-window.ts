import type { ErrorMessage, ResultMessage } from '@wirecall/schema/protocol';

/** The final message of a mutation, as it was (or will be) sent. */
export type CallOutcome = ResultMessage | ErrorMessage;

/** A mutation the window knows: running (its outcome not known yet) or done. */
export interface WindowEntry {
  /** The outcome once the mutation finished. */
  outcome: CallOutcome | undefined;
  /** Called with the outcome when it is known; for retries that arrived while it ran. */
  readonly waiters: ((outcome: CallOutcome) => void)[];
  /** When it finished (`Date.now()`), for the age bound. */
  finishedAt: number;
}

/** Ids our client issues: a base-36 sequence number, so that "never seen" can be told from "forgotten". */
const SEQUENCE_ID = /^[0-9a-z]{1,10}$/;

/**
 * The recent mutations of one client session and their outcomes, bounded by
 * count and age: a mutation retried after a reconnect gets the stored outcome
 * (or waits for the first run) instead of running twice.
 */
export class CallWindow {
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  /** Made by the first mutation: most sessions never run one. */
  #entries: Map<string, WindowEntry> | undefined;
  /** The highest sequence id evicted: a retry at or below it that the window does not hold may have run. */
  #forgottenUpTo = -1;

  constructor(maxEntries: number, maxAgeMs: number) {
    this.#maxEntries = maxEntries;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The entry of mutation `id`, if the window still holds it. */
  get(id: string): WindowEntry | undefined {
    this.#expire();
    return this.#entries?.get(id);
  }

  /**
   * Whether a retried mutation that the window does not hold may have run
   * already: its record was evicted, or its id cannot be ordered.
   */
  mayHaveRun(id: string): boolean {
    return !SEQUENCE_ID.test(id) || Number.parseInt(id, 36) <= this.#forgottenUpTo;
  }

  /** Records that mutation `id` starts running. */
  begin(id: string): WindowEntry {
    const entry: WindowEntry = { outcome: undefined, waiters: [], finishedAt: Number.POSITIVE_INFINITY };
    const entries = (this.#entries ??= new Map<string, WindowEntry>());
    entries.set(id, entry);
    while (entries.size > this.#maxEntries) this.#evictOldest(entries);
    return entry;
  }

  /** Stores the outcome of a mutation and hands it to the retries that waited for it. */
  finish(entry: WindowEntry, outcome: CallOutcome): void {
    entry.outcome = outcome;
    entry.finishedAt = Date.now();
    for (const waiter of entry.waiters.splice(0)) waiter(outcome);
  }

  #expire(): void {
    const oldest = Date.now() - this.#maxAgeMs;
    if (this.#entries === undefined) return;
    for (const [id, entry] of this.#entries) {
      // Insertion order is start order; a long-running mutation ahead stops the sweep until it finishes.
      if (entry.finishedAt >= oldest) break;
      this.#forget(id);
    }
  }

  #evictOldest(entries: Map<string, WindowEntry>): void {
    const first = entries.keys().next();
    if (first.done !== true) this.#forget(first.value);
  }

  #forget(id: string): void {
    this.#entries?.delete(id);
    if (SEQUENCE_ID.test(id)) this.#forgottenUpTo = Math.max(this.#forgottenUpTo, Number.parseInt(id, 36));
  }
}

import { GapReason } from '@wirecall/schema/protocol';
import { nanoid } from 'nanoid';

import { pushIterable } from './push-source.js';
import { Gap, Tracked } from './tracked.js';

/** Retention of an in-memory event log. */
export interface EventLogOptions {
  /** Most events kept for replay. Default 1000. */
  maxEvents?: number;
  /** Events older than this (ms) are no longer replayed. Default 5 minutes. */
  maxAgeMs?: number;
}

/** Where a subscriber of an event log starts. */
export interface EventLogSubscribeOptions {
  /** The client's last event id (the handler's `lastEventId`): replay what followed it. Live events only when absent. */
  lastEventId?: string | undefined;
  /** Ends the iteration (the handler's `signal`). */
  signal?: AbortSignal | undefined;
}

/**
 * A stream of events that assigns ids and replays what a resuming subscriber
 * missed. Implement it over a shared store (Redis streams, a database) to
 * resume across server instances; {@link createEventLog} keeps it in memory.
 */
export interface EventLog<TEvent> {
  /** Appends an event for every subscriber; returns its id. */
  readonly publish: (event: TEvent) => string;
  /**
   * Iterates events after `lastEventId`, then live ones. When events were lost
   * (older than the retention, or an id this log never issued, e.g. after a
   * restart), yields one `Gap` first and continues with live events; so does a
   * subscriber that falls further behind than the retention.
   */
  readonly subscribe: (options?: EventLogSubscribeOptions) => AsyncIterable<Tracked<TEvent> | Gap>;
  /** Id of the newest event, or `undefined` before the first. */
  readonly lastEventId: () => string | undefined;
}

/** Default number of events an in-memory log keeps. */
export const DEFAULT_EVENT_LOG_MAX_EVENTS = 1000;
/** Default age after which an in-memory log stops replaying an event. */
export const DEFAULT_EVENT_LOG_MAX_AGE_MS = 5 * 60_000;

interface Entry<TEvent> {
  readonly tracked: Tracked<TEvent>;
  readonly at: number;
}

/** A subscriber's place in the log's list of those to wake on `publish`. */
interface Waiter {
  /** What to call on the next publish; cleared when called, set again by the subscriber's next `watch`. */
  wake: (() => void) | undefined;
  /** Whether it is in the list: it stays there while it keeps watching, so keeping up costs no set insertion. */
  listed: boolean;
}

/** Checks a retention bound. */
function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * An in-memory event log: a ring buffer bounded by count and age. Ids are
 * `<epoch>.<sequence>`, where the epoch is random per log, so an id from
 * before a restart is recognised as unknown instead of being misread.
 *
 * @example
 * const log = createEventLog<Message>({ maxEvents: 500 });
 * const handlers = { messages: ({ lastEventId, signal }) => log.subscribe({ lastEventId, signal }) };
 * log.publish({ text: 'hi' });
 */
export function createEventLog<TEvent>(options: EventLogOptions = {}): EventLog<TEvent> {
  const capacity = positiveInteger(options.maxEvents ?? DEFAULT_EVENT_LOG_MAX_EVENTS, 'maxEvents');
  const maxAgeMs = positiveInteger(options.maxAgeMs ?? DEFAULT_EVENT_LOG_MAX_AGE_MS, 'maxAgeMs');
  const epoch = nanoid(10);
  const ring: (Entry<TEvent> | undefined)[] = new Array<Entry<TEvent> | undefined>(capacity);
  /** Sequence number of the oldest retained event, and of the next one to publish. */
  let first = 0;
  let next = 0;
  /** Subscribers that watched since the last publish (with a `wake`), and those that did before (without: dropped on the next publish). */
  const waiters = new Set<Waiter>();

  function prune(): void {
    const oldest = Date.now() - maxAgeMs;
    if (next - first > capacity) first = next - capacity;
    while (first < next && (ring[first % capacity] as Entry<TEvent>).at < oldest) {
      ring[first % capacity] = undefined;
      first += 1;
    }
  }

  /** The sequence number after `lastEventId`, or the gap to report. */
  function resumeAt(lastEventId: string): number | Gap {
    const dot = lastEventId.lastIndexOf('.');
    const seq = dot === -1 ? Number.NaN : Number.parseInt(lastEventId.slice(dot + 1), 36);
    if (lastEventId.slice(0, dot) !== epoch || !Number.isSafeInteger(seq) || seq < 0 || seq >= next) {
      return new Gap(GapReason.Unknown);
    }
    return seq + 1 < first ? new Gap(GapReason.Expired) : seq + 1;
  }

  function subscribe(subscribeOptions: EventLogSubscribeOptions = {}): AsyncIterable<Tracked<TEvent> | Gap> {
    const { lastEventId, signal } = subscribeOptions;
    prune();
    // Decided at subscribe time, synchronously: nothing published from now on can be missed.
    const start = lastEventId === undefined ? next : resumeAt(lastEventId);
    let cursor = typeof start === 'number' ? start : next;
    let pendingGap: Gap | undefined = typeof start === 'number' ? undefined : start;
    let done = false;
    const waiter: Waiter = { wake: undefined, listed: false };

    return pushIterable<Tracked<TEvent> | Gap>(
      {
        /** The next item if one is ready: a pending gap, a gap for falling behind, or the next event. */
        take() {
          if (done) return undefined;
          if (pendingGap !== undefined) {
            const item = pendingGap;
            pendingGap = undefined;
            return item;
          }
          // No pruning here (`publish` and `subscribe` do it): an event still held is delivered, however old.
          if (cursor < first) {
            // Fell behind the retention while not reading: say so, and go on live.
            cursor = next;
            return new Gap(GapReason.Expired);
          }
          if (cursor === next) return undefined;
          const entry = ring[cursor % capacity] as Entry<TEvent>;
          cursor += 1;
          return entry.tracked;
        },
        watch(onReady) {
          waiter.wake = onReady;
          if (!waiter.listed) {
            waiter.listed = true;
            waiters.add(waiter);
          }
        },
        ended: () => done,
        stop() {
          done = true;
          const { wake } = waiter;
          waiter.wake = undefined;
          if (waiter.listed) waiters.delete(waiter);
          waiter.listed = false;
          wake?.();
        },
      },
      signal,
    );
  }

  return {
    publish(event) {
      const id = `${epoch}.${next.toString(36)}`;
      ring[next % capacity] = { tracked: new Tracked(id, event), at: Date.now() };
      next += 1;
      prune();
      // A subscriber woken here may watch again at once: it then stays listed, and is not woken twice
      // (its `wake` was cleared before the call). One that did not watch since the last publish leaves the list.
      for (const waiter of waiters) {
        const { wake } = waiter;
        if (wake === undefined) {
          waiters.delete(waiter);
          waiter.listed = false;
          continue;
        }
        waiter.wake = undefined;
        wake();
      }
      return id;
    },
    subscribe,
    lastEventId: () => (next === 0 ? undefined : `${epoch}.${(next - 1).toString(36)}`),
  };
}

import { Gap, GapReason, type PushCursor, type Tracked } from '@wirecall/server';

import { isStreamId, compareStreamIds } from './stream-id.js';
import { RETRY_MS, type StreamLog } from './stream-log.js';

/** Marks a cursor that reads from Redis rather than from what its log holds. */
const FROM_REDIS = -1;

/**
 * One subscriber of a Redis event log in this process. It reads what the log
 * holds in memory while it keeps up; a subscriber that resumes, or falls
 * further behind than the log holds, reads Redis page by page until it catches up.
 */
export class StreamCursor<TEvent> implements PushCursor<Tracked<TEvent> | Gap> {
  readonly #log: StreamLog<TEvent>;
  /** Local sequence number of the next event to take from the log, or `FROM_REDIS`. */
  #seq = FROM_REDIS;
  /** Id of the last event delivered, or the client's last id: where reading Redis continues. */
  #after: string | undefined;
  /** Whether `#after` is known to be in the stream (so the log's memory may take over from it). */
  #verified = false;
  /** After reading Redis: the log holds events up to this id that were delivered already. */
  #skipThrough: string | undefined;
  #page: readonly Tracked<TEvent>[] = [];
  #pageIndex = 0;
  /** Id of the page's last entry, where `#after` moves once the page is taken. */
  #pageEnd: string | undefined;
  /** Set when Redis held nothing after `#after`: read it again only once the log has news (its next `notify`). */
  #waitingForLog = false;
  #fetching = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #gap: Gap | undefined;
  #wake: (() => void) | undefined;
  #ended = false;

  constructor(log: StreamLog<TEvent>, lastEventId: string | undefined) {
    this.#log = log;
    if (lastEventId !== undefined && isStreamId(lastEventId)) {
      // Resuming: read Redis after it (which checks that the stream has it).
      this.#after = lastEventId;
    } else {
      this.#goLive();
      if (lastEventId !== undefined) this.#gap = new Gap(GapReason.Unknown);
    }
    log.attach(this);
  }

  take(): Tracked<TEvent> | Gap | undefined {
    if (this.#ended) return undefined;
    if (this.#gap !== undefined) {
      const gap = this.#gap;
      this.#gap = undefined;
      return gap;
    }
    const log = this.#log;
    while (this.#seq !== FROM_REDIS && this.#seq < log.next) {
      if (this.#seq < log.first) {
        // Fell further behind than the log holds: continue from Redis.
        this.#seq = FROM_REDIS;
        break;
      }
      const event = log.held(this.#seq);
      this.#seq += 1;
      if (this.#skipThrough !== undefined) {
        if (compareStreamIds(event.id, this.#skipThrough) <= 0) continue;
        this.#skipThrough = undefined;
      }
      this.#after = event.id;
      return event;
    }
    return this.#seq === FROM_REDIS ? this.#takeFromRedis() : undefined;
  }

  #takeFromRedis(): Tracked<TEvent> | Gap | undefined {
    const log = this.#log;
    if (this.#pageIndex < this.#page.length) {
      const event = this.#page[this.#pageIndex] as Tracked<TEvent>;
      this.#pageIndex += 1;
      this.#after = event.id;
      return event;
    }
    if (this.#pageEnd !== undefined) this.#after = this.#pageEnd;
    this.#page = [];
    this.#pageIndex = 0;
    this.#pageEnd = undefined;
    // Subscribed while the log was starting, and fell behind before its first event: it began where the log did.
    this.#after ??= log.startedAt;
    if (this.#after === undefined) return undefined;
    if (this.#verified && log.holdsAfter(this.#after)) {
      this.#seq = log.first;
      this.#skipThrough = this.#after;
      return this.take();
    }
    if (!this.#fetching && !this.#waitingForLog) void this.#fetch(this.#after);
    return undefined;
  }

  async #fetch(after: string): Promise<void> {
    this.#fetching = true;
    let page: Awaited<ReturnType<StreamLog<TEvent>['readAfter']>>;
    try {
      page = await this.#log.readAfter(after);
    } catch (error) {
      if (this.#ended) return;
      this.#log.reportFailedRead(error);
      this.#retry = setTimeout(() => {
        this.#fetching = false;
        this.#wakeWatcher();
      }, RETRY_MS);
      return;
    }
    this.#fetching = false;
    if (this.#ended) return;
    if (page instanceof Gap) {
      this.#gap = page;
      this.#goLive();
    } else {
      this.#page = page.events;
      this.#pageEnd = page.lastId;
      // Caught up with Redis, the log not yet there (it is starting, or has not read as far): wait for it.
      this.#waitingForLog = page.lastId === undefined || page.lastId === after;
      this.#verified = true;
    }
    this.#wakeWatcher();
  }

  /** Goes on with what the log reads from now on. */
  #goLive(): void {
    this.#seq = this.#log.next;
    this.#after = this.#log.position;
    this.#verified = true;
    this.#skipThrough = undefined;
  }

  watch(onReady: () => void): void {
    this.#wake = onReady;
  }

  ended(): boolean {
    return this.#ended;
  }

  /** The log has news (it started, or read more): wakes the subscriber, which may read Redis again. */
  notify(): void {
    this.#waitingForLog = false;
    this.#wakeWatcher();
  }

  /** Calls the pending `watch`, if any. */
  #wakeWatcher(): void {
    const wake = this.#wake;
    if (wake === undefined) return;
    this.#wake = undefined;
    wake();
  }

  /** The subscriber left. */
  stop(): void {
    if (this.#ended) return;
    this.end();
  }

  /** Ends the subscription, by its subscriber or because the logs were closed. */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#retry);
    this.#log.detach(this);
    this.#wakeWatcher();
  }
}

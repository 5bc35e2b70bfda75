import { Gap, GapReason, Tracked, pushIterable, type EventLogSubscribeOptions, type Logger } from '@wirecall/server';
import type { Redis } from 'ioredis';

import { EVENT_FIELD, NOT_AN_EVENT, decodeEvent, encodeEvent } from './event-codec.js';
import { StreamCursor } from './stream-cursor.js';
import { compareStreamIds } from './stream-id.js';

/** What one stream entry looks like in a reply: its id and its fields, `[name, value, ...]`. */
export type StreamEntry = [id: string, fields: string[]];

/** Entries read from Redis for a subscriber, after an id that is still in the stream. */
export interface Page<TEvent> {
  readonly events: readonly Tracked<TEvent>[];
  /** Id of the last entry read (an entry that holds no event included), or `undefined` if none followed. */
  readonly lastId: string | undefined;
}

/** What the logs of one `createRedisEventLogs` share. */
export interface LogContext {
  readonly commands: Redis;
  readonly logger: Pick<Logger, 'error' | 'warn'>;
  readonly maxEvents: number;
  readonly maxAgeMs: number | undefined;
  readonly localEvents: number;
  /** Starts reading `log`'s stream for this process, from `log.position`. */
  readonly read: (log: StreamLog<unknown>) => void;
  /** Stops reading `log`'s stream. */
  readonly unread: (log: StreamLog<unknown>) => void;
  readonly closed: () => boolean;
}

/** The id before every entry: where reading begins on a stream that is empty (or does not exist yet). */
export const STREAM_START = '0-0';

/** The event of a stream entry with its id, or `undefined` for an entry that holds none. */
function trackedEntry<TEvent>(id: string, fields: readonly string[]): Tracked<TEvent> | undefined {
  const event = decodeEvent(fields);
  return event === NOT_AN_EVENT ? undefined : new Tracked(id, event as TEvent);
}

let generations = 0;
/** A generation no log of this process had before (a log of the same key may replace a collected one). */
function nextGeneration(): number {
  generations += 1;
  return generations;
}

/** Entries a subscriber reads from Redis at a time. */
const PAGE_SIZE = 256;
/** Wait before asking Redis again after a failed command. */
export const RETRY_MS = 250;

/**
 * A resumable event log on a Redis stream: `publish` appends to the stream, and
 * every process that subscribes reads it. Ids are the stream's entry ids, so a
 * client that resumes on another server instance continues where it left off.
 */
export interface RedisEventLog<TEvent> {
  /** The stream's key. */
  readonly key: string;
  /** Appends an event to the stream (for every subscriber of every instance); resolves to its id. */
  readonly publish: (event: TEvent) => Promise<string>;
  /**
   * Iterates events after `lastEventId`, read from Redis, then live ones. When
   * events were lost (trimmed from the stream, or an id the stream never issued),
   * yields one `Gap` first and continues with live events.
   */
  readonly subscribe: (options?: EventLogSubscribeOptions) => AsyncIterable<Tracked<TEvent> | Gap>;
  /** Id of the stream's newest event, or `undefined` when it is empty. */
  readonly lastEventId: () => Promise<string | undefined>;
}

/**
 * One stream, in one process. While it has subscribers here, the logs' shared
 * reader feeds it what the stream receives, and it keeps the last
 * `localEvents` of them: one `Tracked` per event for all its subscribers.
 */
export class StreamLog<TEvent> implements RedisEventLog<TEvent> {
  readonly key: string;
  readonly #context: LogContext;
  readonly #cursors = new Set<StreamCursor<TEvent>>();
  #held: (Tracked<TEvent> | undefined)[] = [];
  /** Local sequence numbers: of the oldest event held, and of the next one read. */
  first = 0;
  next = 0;
  /** Where the reader continues: the id of the last entry read, or the stream's newest when reading began. `undefined` while not reading. */
  position: string | undefined;
  /** Every event after this id, up to `position`, is held from `first` on. `undefined` while not reading. */
  #completeAfter: string | undefined;
  /** Where reading began: the stream's newest id then, or `STREAM_START`. `undefined` while not reading. */
  startedAt: string | undefined;
  /** Changes whenever reading starts or stops, unique across logs: a reply read for another generation is dropped. */
  generation = nextGeneration();
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(key: string, context: LogContext) {
    this.key = key;
    this.#context = context;
  }

  readonly publish = async (event: TEvent): Promise<string> => {
    const { commands, maxEvents, maxAgeMs } = this.#context;
    if (this.#context.closed()) throw new Error(`the event logs are closed: cannot publish to "${this.key}"`);
    const id = await commands.xadd(this.key, 'MAXLEN', '~', maxEvents, '*', EVENT_FIELD, encodeEvent(event));
    if (id === null) throw new Error(`Redis did not add to "${this.key}"`);
    if (maxAgeMs !== undefined) await commands.xtrim(this.key, 'MINID', '~', String(Date.now() - maxAgeMs));
    return id;
  };

  readonly subscribe = (options: EventLogSubscribeOptions = {}): AsyncIterable<Tracked<TEvent> | Gap> =>
    pushIterable(new StreamCursor(this, options.lastEventId), options.signal);

  readonly lastEventId = async (): Promise<string | undefined> => {
    const [newest] = await this.#context.commands.xrevrange(this.key, '+', '-', 'COUNT', 1);
    return newest?.[0];
  };

  /** The event of local sequence number `seq` (between `first` and `next`). */
  held(seq: number): Tracked<TEvent> {
    return this.#held[seq % this.#context.localEvents] as Tracked<TEvent>;
  }

  /** Whether every event after `id` (a verified id of this stream) is held here. */
  holdsAfter(id: string): boolean {
    return this.#completeAfter !== undefined && compareStreamIds(id, this.#completeAfter) >= 0;
  }

  /** A subscriber arrived; the first one starts reading. */
  attach(cursor: StreamCursor<TEvent>): void {
    if (this.#context.closed()) {
      cursor.end();
      return;
    }
    this.#cursors.add(cursor);
    if (this.#cursors.size === 1) this.#start();
  }

  /** A subscriber left; after the last one, this process stops reading and forgets what it held. */
  detach(cursor: StreamCursor<TEvent>): void {
    if (!this.#cursors.delete(cursor) || this.#cursors.size > 0) return;
    this.generation = nextGeneration();
    clearTimeout(this.#retry);
    this.#context.unread(this as StreamLog<unknown>);
    this.#held = [];
    this.first = this.next = 0;
    this.position = this.#completeAfter = this.startedAt = undefined;
  }

  /** Ends every subscriber: the logs were closed. */
  end(): void {
    for (const cursor of [...this.#cursors]) cursor.end();
  }

  /** Reading starts where the stream ends now: asked on the commands connection, so a later `publish` of this process comes after it. */
  #start(): void {
    const generation = (this.generation = nextGeneration());
    // `lastEventId` sends its command before its first await: at once, in this process's order.
    this.lastEventId().then(
      (newest) => {
        if (generation !== this.generation) return;
        this.position = this.#completeAfter = this.startedAt = newest ?? STREAM_START;
        this.#context.read(this as StreamLog<unknown>);
        this.#notify();
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.#context.logger.error('could not start reading a Redis stream; retrying', { key: this.key, error });
        this.#retry = setTimeout(() => {
          if (generation === this.generation) this.#start();
        }, RETRY_MS);
      },
    );
  }

  /** Takes what the reader read from the stream, and wakes the subscribers waiting for it. */
  append(entries: readonly StreamEntry[]): void {
    const capacity = this.#context.localEvents;
    for (const [id, fields] of entries) {
      this.position = id;
      const tracked = trackedEntry<TEvent>(id, fields);
      if (tracked === undefined) {
        this.#context.logger.warn('skipped a stream entry that holds no event', { key: this.key, id });
        continue;
      }
      if (this.next - this.first === capacity) {
        this.#completeAfter = (this.#held[this.first % capacity] as Tracked<TEvent>).id;
        this.first += 1;
      }
      this.#held[this.next % capacity] = tracked;
      this.next += 1;
    }
    this.#notify();
  }

  #notify(): void {
    for (const cursor of this.#cursors) cursor.notify();
  }

  /** A subscriber could not read Redis; it asks again after `RETRY_MS`. */
  reportFailedRead(error: unknown): void {
    this.#context.logger.error('could not read a Redis stream; retrying', { key: this.key, error });
  }

  /**
   * The entries after `after`, read from Redis, or the gap to report if `after`
   * is no longer in the stream (trimmed: `expired`) or never was (`unknown`).
   */
  async readAfter(after: string): Promise<Page<TEvent> | Gap> {
    const { commands } = this.#context;
    const fromStart = after === STREAM_START;
    const entries = (await commands.xrange(this.key, fromStart ? '-' : after, '+', 'COUNT', PAGE_SIZE + 1)) as StreamEntry[];
    if (!fromStart && entries[0]?.[0] !== after) {
      const [oldest] = await commands.xrange(this.key, '-', '+', 'COUNT', 1);
      const expired = oldest !== undefined && compareStreamIds(after, oldest[0]) < 0;
      return new Gap(expired ? GapReason.Expired : GapReason.Unknown);
    }
    const events: Tracked<TEvent>[] = [];
    for (const [id, fields] of fromStart ? entries : entries.slice(1)) {
      const tracked = trackedEntry<TEvent>(id, fields);
      if (tracked !== undefined) events.push(tracked);
    }
    return { events, lastId: entries.at(-1)?.[0] };
  }
}

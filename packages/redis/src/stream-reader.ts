import type { Logger } from '@wirecall/server';
import type { Redis } from 'ioredis';

import { RETRY_MS, type StreamEntry, type StreamLog } from './stream-log.js';

/** Entries one read takes per stream. */
const READ_COUNT = 512;
/** How long one blocking read waits for new entries (ms), before it is issued again. */
const BLOCK_MS = 5000;
/** Attempts at unblocking a read that does not yet include a stream just added, 10 ms apart. */
const UNBLOCK_ATTEMPTS = 50;
const UNBLOCK_RETRY_MS = 10;

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Reads every stream that has subscribers in this process with one blocking
 * `XREAD` on a connection of its own, and hands each log what its stream
 * received. A stream added while a read waits is read at once: the read is
 * interrupted with `CLIENT UNBLOCK` and issued again with it.
 */
export class StreamReader {
  readonly #commands: Redis;
  readonly #blocking: Redis;
  readonly #logger: Pick<Logger, 'error'>;
  readonly #logs = new Map<string, StreamLog<unknown>>();
  /** Bumped when a stream is added; the read in progress covers `#readingVersion`. */
  #version = 0;
  #readingVersion = 0;
  /** The blocking connection's client id, for `CLIENT UNBLOCK`; `null` if Redis refused to tell it. */
  #blockingId: number | null | undefined;
  #interrupting = false;
  #idle: (() => void) | undefined;
  #closed = false;
  readonly #running: Promise<void>;

  constructor(commands: Redis, logger: Pick<Logger, 'error'>) {
    this.#commands = commands;
    this.#logger = logger;
    this.#blocking = commands.duplicate();
    // Its failures reach the read that was waiting on it, which reports them.
    this.#blocking.on('error', () => undefined);
    // A new connection has a new client id.
    this.#blocking.on('close', () => {
      this.#blockingId = undefined;
    });
    this.#running = this.#run();
  }

  /** Reads `log`'s stream from `log.position` on. */
  add(log: StreamLog<unknown>): void {
    this.#logs.set(log.key, log);
    this.#version += 1;
    if (this.#idle === undefined) void this.#interrupt();
    else this.#idle();
  }

  /** Stops reading `log`'s stream (a read in progress may still return entries of it: they are dropped). */
  remove(log: StreamLog<unknown>): void {
    if (this.#logs.get(log.key) === log) this.#logs.delete(log.key);
  }

  /** Stops reading and closes the blocking connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle?.();
    this.#blocking.disconnect();
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      if (this.#logs.size === 0) {
        await new Promise<void>((resolve) => {
          this.#idle = resolve;
        });
        this.#idle = undefined;
        continue;
      }
      const { keys, positions, generations } = this.#readPlan();
      this.#readingVersion = this.#version;
      let reply: [key: string, entries: StreamEntry[]][] | null;
      try {
        if (this.#blockingId === undefined) this.#blockingId = await this.#clientId();
        reply = await this.#blocking.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...keys,
          ...positions,
        );
      } catch (error) {
        // Closing disconnects the blocking connection, which fails the read.
        if (this.#isClosed()) break;
        this.#logger.error('could not read Redis streams; retrying', { error });
        await delay(RETRY_MS);
        continue;
      }
      if (reply !== null) this.#deliver(reply, generations);
    }
  }

  /** Hands each log what its stream received (outside the async loop, like `#readPlan`). */
  #deliver(reply: readonly [key: string, entries: StreamEntry[]][], generations: ReadonlyMap<string, number>): void {
    for (const [key, entries] of reply) {
      const log = this.#logs.get(key);
      // Not if the log stopped reading (or stopped and started again) while the read waited.
      if (log !== undefined && log.generation === generations.get(key)) log.append(entries);
    }
  }

  /**
   * The blocking connection's client id, or `null` when Redis refuses to tell it
   * (an ACL that denies CLIENT). Other failures (the connection) throw, and the
   * read is retried.
   */
  async #clientId(): Promise<number | null> {
    try {
      return await this.#blocking.client('ID');
    } catch (error) {
      if (this.#isClosed() || !(error instanceof Error) || error.name !== 'ReplyError') throw error;
      this.#logger.error(`could not get the id of the blocking connection: streams added are read within ${String(BLOCK_MS)} ms`, { error });
      return null;
    }
  }

  /** Whether `close` was called (read afresh after an await, which narrowing does not see). */
  #isClosed(): boolean {
    return this.#closed;
  }

  /**
   * What the next read covers, as keys and positions only: a read waits for
   * seconds, and must not keep a log from being collected (built outside the
   * async loop: its suspended frame keeps the last value of each variable, even a
   * dead one).
   */
  #readPlan(): { keys: string[]; positions: string[]; generations: Map<string, number> } {
    const keys: string[] = [];
    const positions: string[] = [];
    const generations = new Map<string, number>();
    for (const log of this.#logs.values()) {
      keys.push(log.key);
      positions.push(log.position as string);
      generations.set(log.key, log.generation);
    }
    return { keys, positions, generations };
  }

  /** Interrupts a blocking read that does not cover the latest stream added. */
  async #interrupt(): Promise<void> {
    if (this.#interrupting) return;
    this.#interrupting = true;
    try {
      for (let attempt = 0; attempt < UNBLOCK_ATTEMPTS && !this.#closed && this.#readingVersion !== this.#version; attempt += 1) {
        const id = this.#blockingId;
        if (id === null) return;
        // 0 when the read has not reached Redis yet (or has just returned): try again shortly.
        if (id !== undefined && (await this.#commands.client('UNBLOCK', id)) === 1) return;
        await delay(UNBLOCK_RETRY_MS);
      }
    } catch (error) {
      // E.g. an ACL that denies CLIENT: the stream is then read when the current read times out.
      this.#logger.error('could not interrupt the blocking read of Redis streams', { error });
    } finally {
      this.#interrupting = false;
    }
  }
}

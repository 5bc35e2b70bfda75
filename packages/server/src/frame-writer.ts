import { nextTick } from 'node:process';

import { BATCH_FLUSH_LENGTH, encodeFrames, encodeMessage, type Codec, type ServerMessage } from '@wirecall/schema/protocol';

import type { TransportSocket } from './transport.js';

/**
 * Sends messages on one socket. A message written while the socket is idle goes
 * out at once, in its own frame: no timer, no added latency. Messages written
 * after it in the same turn of the event loop are queued and leave together, as
 * one batch frame, when the turn ends (on `process.nextTick`), or as soon as
 * `BATCH_FLUSH_LENGTH` of them is queued; while the socket is backed up, they
 * wait for its last write to complete instead. Deep pipelines thus get fewer,
 * larger frames while a lone call pays nothing.
 *
 * A write to an idle socket passes no completion callback, so Node schedules
 * nothing for it: one `nextTick` ends the turn for every writer that wrote in it
 * (a broadcast to 200 sockets schedules one, not 200). Writes made while the
 * connection handles a frame it received need not even that: `beginTurn` and
 * `endTurn` bracket the handling, which is then a turn of its own. Only a write
 * to a backed-up socket passes a callback, to learn when the queue may go and
 * `writable()` waiters may go on. `onPause` runs each time `writable()` has to
 * make its caller wait (metrics count backpressure pauses).
 *
 * A class, not a closure factory: one lives as long as its connection, and
 * methods on the prototype cost an idle connection nothing (see docs/performance.md).
 */
export class FrameWriter {
  /** Writers that sent a frame in the current turn; one `nextTick` ends the turn for all of them. */
  static #inTurn: FrameWriter[] = [];

  static readonly #endTurn = (): void => {
    const writers = FrameWriter.#inTurn;
    FrameWriter.#inTurn = [];
    // One writer's broken socket must not keep the others of this turn from ending theirs.
    for (const writer of writers) writer.#endTurnOrClose();
  };

  readonly #socket: TransportSocket;
  readonly #codec: Codec;
  readonly #highWaterMarkBytes: number;
  readonly #onPause: (() => void) | undefined;
  #queue: string[] | undefined;
  #queuedBytes = 0;
  /** A frame left in this turn: what is written now joins the batch sent when the turn ends. */
  #sentThisTurn = false;
  /** Between `beginTurn` and `endTurn`: the turn ends when the caller says so, not on `nextTick`. */
  #inOwnTurn = false;
  /** A write with a completion callback is in flight (the socket was backed up). */
  #awaitingWrite = false;
  /** A `flush` of the socket is in flight, for waiters that no write would otherwise wake. */
  #awaitingFlush = false;
  #closed = false;
  #waiters: (() => void)[] | undefined;
  /** The completion callback of writes to a backed-up socket, made on the first one. */
  #afterWrite: ((error?: Error | null) => void) | undefined;

  constructor(socket: TransportSocket, codec: Codec, highWaterMarkBytes: number, onPause?: () => void) {
    this.#socket = socket;
    this.#codec = codec;
    this.#highWaterMarkBytes = highWaterMarkBytes;
    this.#onPause = onPause;
  }

  /**
   * Queues one message. Throws (and queues nothing) when its payload cannot be
   * encoded, so the caller can answer with an error instead.
   */
  write(message: ServerMessage): void {
    if (!this.#closed) this.writeEncoded(encodeMessage(message, this.#codec));
  }

  /** The codec this writer encodes payloads with (the connection's). */
  get codec(): Codec {
    return this.#codec;
  }

  /**
   * Queues one message already encoded as JSON `text` (an event made of
   * `encodeEventHead` and `encodeEventTail`). `bytes`, when given, is that text
   * in UTF-8, shared with other sockets: sent as is when the message leaves in a
   * frame of its own; a batch frame is made of the texts.
   */
  writeEncoded(text: string, bytes?: Uint8Array): void {
    if (this.#closed) return;
    if (this.#sentThisTurn || this.#awaitingWrite) {
      (this.#queue ??= []).push(text);
      this.#queuedBytes += text.length;
      // A long run goes out in parts, so the client starts on one while the next is written.
      if (!this.#awaitingWrite && this.#queuedBytes >= BATCH_FLUSH_LENGTH) this.#sendQueued();
    } else {
      this.#send(bytes ?? text);
    }
  }

  /**
   * Starts a turn that the caller ends with `endTurn` (around the handling of
   * one received frame): a reply written in between leaves at once, the replies
   * after it leave together at `endTurn`, and no `nextTick` is scheduled for them.
   * Within a turn already begun elsewhere (a write earlier in this tick), does nothing.
   */
  beginTurn(): void {
    this.#inOwnTurn = !this.#sentThisTurn;
  }

  /** Ends the turn `beginTurn` started. */
  endTurn(): void {
    if (!this.#inOwnTurn) return;
    this.#inOwnTurn = false;
    if (this.#sentThisTurn) this.#endTurnOrClose();
  }

  /** Whether the bytes waiting to leave are at or over the high-water mark (`writable()` would make its caller wait). */
  isOverHighWaterMark(): boolean {
    return !this.#closed && this.#pendingBytes() >= this.#highWaterMarkBytes;
  }

  /** Resolves once the socket's outgoing buffer is below the high-water mark (or the writer is closed). */
  writable(): Promise<void> {
    if (this.#closed || this.#pendingBytes() < this.#highWaterMarkBytes) return Promise.resolve();
    this.#onPause?.();
    const waiting = new Promise<void>((resolve) => (this.#waiters ??= []).push(resolve));
    this.#checkWaiters();
    return waiting;
  }

  /** Hands what is queued to the socket, then accepts nothing more and releases every `writable()` waiter. */
  end(): void {
    if (!this.#closed && this.#queue !== undefined) {
      for (const frame of encodeFrames(this.#queue)) this.#socket.send(frame);
    }
    this.#close();
  }

  #close(): void {
    this.#closed = true;
    this.#queue = undefined;
    this.#queuedBytes = 0;
    this.#releaseWaiters();
  }

  #releaseWaiters(): void {
    const released = this.#waiters;
    if (released === undefined) return;
    this.#waiters = undefined;
    for (const resolve of released) resolve();
  }

  /** Bytes waiting to leave: what the socket holds plus what is queued here (UTF-16 length as an estimate). */
  #pendingBytes(): number {
    return this.#socket.bufferedAmount + this.#queuedBytes;
  }

  /** Sends one frame (text, or its UTF-8 bytes); with a completion callback only when the socket still holds earlier bytes. */
  #send(frame: string | Uint8Array): void {
    if (!this.#sentThisTurn) {
      this.#sentThisTurn = true;
      if (!this.#inOwnTurn && FrameWriter.#inTurn.push(this) === 1) nextTick(FrameWriter.#endTurn);
    }
    if (this.#socket.bufferedAmount === 0) {
      this.#socket.send(frame);
      return;
    }
    this.#awaitingWrite = true;
    this.#socket.send(
      frame,
      (this.#afterWrite ??= (error) => {
        this.#written(error);
      }),
    );
  }

  /** Sends what was queued, as batch frames (frames leave in order, so only the last one needs a callback). */
  #sendQueued(): void {
    const queued = this.#queue;
    if (queued === undefined || this.#closed) return;
    this.#queue = undefined;
    this.#queuedBytes = 0;
    const frames = encodeFrames(queued);
    const last = frames.length - 1;
    for (let index = 0; index < last; index += 1) this.#socket.send(frames[index] as string);
    this.#send(frames[last] as string);
  }

  /** Ends this writer's turn. A socket that throws on send is broken, like one whose write failed: its `close` event ends the connection. */
  #endTurnOrClose(): void {
    try {
      this.#turnEnded();
    } catch {
      this.#close();
    }
  }

  #turnEnded(): void {
    this.#sentThisTurn = false;
    if (!this.#awaitingWrite) this.#sendQueued();
    this.#checkWaiters();
  }

  #written(error?: Error | null): void {
    this.#awaitingWrite = false;
    // `ws` reports success as `null` or `undefined`, depending on the path the write took. A failed
    // write means the socket is closing or broken: its `close` event ends the connection, so stop here.
    if (error !== undefined && error !== null) {
      this.#close();
      return;
    }
    if (!this.#sentThisTurn) this.#sendQueued();
    this.#checkWaiters();
  }

  /**
   * Releases the `writable()` waiters once below the high-water mark. Otherwise
   * something must call back later: a write in flight, the end of this turn, or,
   * when neither is coming (the bytes left in idle writes, or in `ws`'s own
   * control frames), a flush of the socket.
   */
  #checkWaiters(): void {
    if (this.#waiters === undefined) return;
    if (this.#pendingBytes() < this.#highWaterMarkBytes) {
      this.#releaseWaiters();
      return;
    }
    if (this.#awaitingWrite || this.#sentThisTurn || this.#awaitingFlush) return;
    this.#awaitingFlush = true;
    this.#socket.flush((error) => {
      this.#awaitingFlush = false;
      if (error !== undefined && error !== null) this.#close();
      else if (!this.#closed) this.#checkWaiters();
    });
  }
}

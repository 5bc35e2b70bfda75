import { encodeFrames, encodeMessage, type Codec, type ServerMessage } from '@wirecall/schema/protocol';

import type { TransportSocket } from './transport.js';

/** For writes whose outcome nothing waits on: the frames before the last one of a flush, and the last writes after `end()`. */
function ignoreWriteError(): void {}

/**
 * Sends messages on one socket. A message written while the socket is idle goes
 * out at once, in its own frame: no timer, no added latency. Messages written
 * while a frame is still being written are queued and leave together, as one
 * batch frame, when that write completes. Deep pipelines thus get fewer, larger
 * frames while a lone call pays nothing. `onPause` runs each time `writable()`
 * has to make its caller wait (metrics count backpressure pauses).
 *
 * A class, not a closure factory: one lives as long as its connection, and
 * methods on the prototype cost an idle connection nothing (see docs/performance.md).
 */
export class FrameWriter {
  readonly #socket: TransportSocket;
  readonly #codec: Codec;
  readonly #highWaterMarkBytes: number;
  readonly #onPause: (() => void) | undefined;
  #queue: string[] | undefined;
  #queuedBytes = 0;
  #writing = false;
  #closed = false;
  #waiters: (() => void)[] | undefined;
  /** The write callback of the last frame of a flush, made on the first flush. */
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

  /** Queues one message already encoded as JSON text (an event made of `encodeEventHead` and `encodeEventTail`). */
  writeEncoded(encoded: string): void {
    if (this.#closed) return;
    if (this.#writing) {
      (this.#queue ??= []).push(encoded);
      this.#queuedBytes += encoded.length;
    } else {
      this.#send(encoded);
    }
  }

  /** Whether the bytes waiting to leave are at or over the high-water mark (`writable()` would make its caller wait). */
  isOverHighWaterMark(): boolean {
    return !this.#closed && this.#pendingBytes() >= this.#highWaterMarkBytes;
  }

  /** Resolves once the socket's outgoing buffer is below the high-water mark (or the writer is closed). */
  writable(): Promise<void> {
    if (this.#closed || this.#pendingBytes() < this.#highWaterMarkBytes) return Promise.resolve();
    this.#onPause?.();
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Hands what is queued to the socket, then accepts nothing more and releases every `writable()` waiter. */
  end(): void {
    if (!this.#closed && this.#queue !== undefined) {
      for (const frame of encodeFrames(this.#queue)) this.#socket.send(frame, ignoreWriteError);
    }
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

  /** Sends the frames; the write callback runs once, when the last one is written (frames leave in order). */
  #flush(encoded: string[]): void {
    const frames = encodeFrames(encoded);
    const last = frames.length - 1;
    for (let index = 0; index < last; index += 1) this.#socket.send(frames[index] as string, ignoreWriteError);
    this.#send(frames[last] as string);
  }

  /** Sends one frame and waits for it to be written before sending more. */
  #send(frame: string): void {
    this.#writing = true;
    this.#socket.send(
      frame,
      (this.#afterWrite ??= (error) => {
        this.#written(error);
      }),
    );
  }

  #written(error?: Error | null): void {
    // `ws` reports success as `null` or `undefined`, depending on the path the write took. A failed
    // write means the socket is closing or broken: its `close` event ends the connection, so stop here.
    if (error !== undefined && error !== null) {
      this.#closed = true;
      this.#queue = undefined;
      this.#queuedBytes = 0;
      this.#releaseWaiters();
      return;
    }
    const next = this.#queue;
    if (next !== undefined && next.length > 0 && !this.#closed) {
      this.#queue = undefined;
      this.#queuedBytes = 0;
      this.#flush(next);
    } else {
      this.#writing = false;
    }
    if (this.#pendingBytes() < this.#highWaterMarkBytes) this.#releaseWaiters();
  }
}

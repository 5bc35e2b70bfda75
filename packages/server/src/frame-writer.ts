import { encodeFrames, encodeMessage, type Codec, type ServerMessage } from '@wirecall/schema/protocol';

import type { TransportSocket } from './transport.js';

/** Sends messages on one socket, coalescing them into batch frames while a write is pending. */
export interface FrameWriter {
  /**
   * Queues one message. Throws (and queues nothing) when its payload cannot be
   * encoded, so the caller can answer with an error instead.
   */
  readonly write: (message: ServerMessage) => void;
  /** Resolves once the socket's outgoing buffer is below the high-water mark (or the writer is closed). */
  readonly writable: () => Promise<void>;
  /** Whether the bytes waiting to leave are at or over the high-water mark (`writable()` would make its caller wait). */
  readonly isOverHighWaterMark: () => boolean;
  /** Hands what is queued to the socket, then accepts nothing more and releases every `writable()` waiter. */
  readonly end: () => void;
}

/** For writes whose outcome nothing waits on: the frames before the last one of a flush, and the last writes after `end()`. */
function ignoreWriteError(): void {}

/**
 * Creates the writer for one connection. A message written while the socket is
 * idle goes out at once, in its own frame: no timer, no added latency. Messages
 * written while a frame is still being written are queued and leave together,
 * as one batch frame, when that write completes. Deep pipelines thus get fewer,
 * larger frames while a lone call pays nothing. `onPause` runs each time
 * `writable()` has to make its caller wait (metrics count backpressure pauses).
 */
export function createFrameWriter(
  socket: TransportSocket,
  codec: Codec,
  highWaterMarkBytes: number,
  onPause?: () => void,
): FrameWriter {
  let queue: string[] = [];
  let queuedBytes = 0;
  let writing = false;
  let closed = false;
  let waiters: (() => void)[] = [];

  function releaseWaiters(): void {
    const released = waiters;
    waiters = [];
    for (const resolve of released) resolve();
  }

  /** Bytes waiting to leave: what the socket holds plus what is queued here (UTF-16 length as an estimate). */
  function pendingBytes(): number {
    return socket.bufferedAmount + queuedBytes;
  }

  /** Sends the frames; `afterWrite` runs once, when the last one is written (frames leave in order). */
  function flush(encoded: string[]): void {
    writing = true;
    const frames = encodeFrames(encoded);
    const last = frames.length - 1;
    frames.forEach((frame, index) => {
      socket.send(frame, index === last ? afterWrite : ignoreWriteError);
    });
  }

  function afterWrite(error?: Error | null): void {
    // `ws` reports success as `null` or `undefined`, depending on the path the write took. A failed
    // write means the socket is closing or broken: its `close` event ends the connection, so stop here.
    if (error !== undefined && error !== null) {
      closed = true;
      queue = [];
      queuedBytes = 0;
      releaseWaiters();
      return;
    }
    if (queue.length > 0 && !closed) {
      const next = queue;
      queue = [];
      queuedBytes = 0;
      flush(next);
    } else {
      writing = false;
    }
    if (pendingBytes() < highWaterMarkBytes) releaseWaiters();
  }

  return {
    write(message) {
      if (closed) return;
      const encoded = encodeMessage(message, codec);
      if (writing) {
        queue.push(encoded);
        queuedBytes += encoded.length;
      } else {
        flush([encoded]);
      }
    },
    isOverHighWaterMark() {
      return !closed && pendingBytes() >= highWaterMarkBytes;
    },
    writable() {
      if (closed || pendingBytes() < highWaterMarkBytes) return Promise.resolve();
      onPause?.();
      return new Promise((resolve) => waiters.push(resolve));
    },
    end() {
      if (!closed) for (const frame of encodeFrames(queue)) socket.send(frame, ignoreWriteError);
      closed = true;
      queue = [];
      queuedBytes = 0;
      releaseWaiters();
    },
  };
}

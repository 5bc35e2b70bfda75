import { encodeFrames, encodeMessage, type ClientMessage, type Codec } from '@wirecall/schema/protocol';

/** Collects the messages written in one tick and sends them together. */
export interface Outbox {
  /** Encodes and queues a message. Throws (queuing nothing) when it cannot be encoded. */
  readonly push: (message: ClientMessage) => void;
  /** Queues a message already encoded with `encodeMessage`. */
  readonly pushEncoded: (encoded: string) => void;
  /** Length of the messages queued for the next frame (UTF-16 code units, an estimate of their bytes). */
  readonly queuedLength: () => number;
}

/**
 * Creates the client's outbox for one socket. Browsers' `WebSocket` offers no
 * write callback, so the client coalesces per microtask: every message written
 * in the same synchronous run leaves in one batch frame, with no timer on the
 * path. `maxFrameLength` bounds batch frames (it follows the server's limits).
 */
export function createOutbox(codec: Codec, sendFrame: (frame: string) => void, maxFrameLength: () => number): Outbox {
  let queue: string[] = [];
  let queuedLength = 0;
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const encoded = queue;
    queue = [];
    queuedLength = 0;
    for (const frame of encodeFrames(encoded, maxFrameLength())) sendFrame(frame);
  }

  function pushEncoded(encoded: string): void {
    queue.push(encoded);
    queuedLength += encoded.length;
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  }

  return {
    push(message) {
      pushEncoded(encodeMessage(message, codec));
    },
    pushEncoded,
    queuedLength: () => queuedLength,
  };
}

import { BATCH_FLUSH_LENGTH, encodeFrames, encodeMessage, type ClientMessage, type Codec } from '@wirecall/schema/protocol';

/**
 * `RESOLVED.then(flush)` queues the end of a run as one microtask. `queueMicrotask`
 * would too, but on Node it also builds an async resource per call.
 */
const RESOLVED = Promise.resolve();

/** Sends the first message written in a synchronous run at once, and the rest of the run together. */
export interface Outbox {
  /** Encodes and sends or queues a message. Throws (sending nothing) when it cannot be encoded. */
  readonly push: (message: ClientMessage) => void;
  /** Sends or queues a message already encoded with `encodeMessage`. */
  readonly pushEncoded: (encoded: string) => void;
  /** Length of the messages queued for the next frame (UTF-16 code units, an estimate of their bytes). */
  readonly queuedLength: () => number;
}

/**
 * Creates the client's outbox for one socket. Browsers' `WebSocket` offers no
 * write callback, so the client coalesces per microtask: the first message
 * written in a synchronous run leaves at once, so that the server starts on it,
 * and the others written in the same run follow in one batch frame at the end
 * of the run, or earlier whenever `BATCH_FLUSH_LENGTH` of them is queued (so the
 * server works on one part of a long run while the client writes the next). No
 * timer is on the path. `maxFrameLength` bounds batch frames (it follows the
 * server's limits).
 */
export function createOutbox(codec: Codec, sendFrame: (frame: string) => void, maxFrameLength: () => number): Outbox {
  let queue: string[] = [];
  let queuedLength = 0;
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    sendQueued();
  }

  function sendQueued(): void {
    if (queue.length === 0) return;
    const encoded = queue;
    queue = [];
    queuedLength = 0;
    for (const frame of encodeFrames(encoded, maxFrameLength())) sendFrame(frame);
  }

  function pushEncoded(encoded: string): void {
    if (!scheduled) {
      // The first message of a run leaves at once: the server starts on it while this run goes on.
      scheduled = true;
      void RESOLVED.then(flush);
      sendFrame(encoded);
      return;
    }
    queue.push(encoded);
    queuedLength += encoded.length;
    if (queuedLength >= BATCH_FLUSH_LENGTH) sendQueued();
  }

  return {
    push(message) {
      pushEncoded(encodeMessage(message, codec));
    },
    pushEncoded,
    queuedLength: () => queuedLength,
  };
}

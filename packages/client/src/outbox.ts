import { encodeFrames, encodeMessage, type ClientMessage, type Codec } from '@wirecall/schema/protocol';

/** Collects the messages written in one tick and sends them together. */
export interface Outbox {
  /** Encodes and queues a message. Throws (queuing nothing) when its input cannot be encoded. */
  readonly push: (message: ClientMessage) => void;
}

/**
 * Creates the client's outbox. Browsers' `WebSocket` offers no write callback,
 * so the client coalesces per microtask: every message written in the same
 * synchronous run leaves in one batch frame, with no timer on the path.
 */
export function createOutbox(codec: Codec, sendFrame: (frame: string) => void): Outbox {
  let queue: string[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const encoded = queue;
    queue = [];
    for (const frame of encodeFrames(encoded)) sendFrame(frame);
  }

  return {
    push(message) {
      queue.push(encodeMessage(message, codec));
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    },
  };
}

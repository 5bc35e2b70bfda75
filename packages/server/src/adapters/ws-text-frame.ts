import { Buffer } from 'node:buffer';

import * as wsModule from 'ws';

/** The options of `ws`'s `Sender.frame` for a final, unmasked, uncompressed text frame (server to client). */
interface FrameOptions {
  readonly fin: boolean;
  readonly opcode: number;
  readonly mask: boolean;
  readonly readOnly: boolean;
  readonly rsv1: boolean;
}

/** `ws`'s frame builder: `ws` exports it (its own sender frames with it), but @types/ws does not declare it. */
interface FrameBuilder {
  readonly frame: (data: Buffer, options: FrameOptions) => Buffer[];
}

const { Sender } = wsModule as unknown as { readonly Sender: FrameBuilder };

const TEXT: FrameOptions = { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false };

/**
 * A whole WebSocket text frame, header and payload in one buffer, for one
 * `socket.write`: `ws` sends a frame as two writes (header, payload) through
 * a corked socket, which Node turns into a `writev` with its own bookkeeping.
 * The header comes from `ws`'s `Sender.frame`, so the framing stays `ws`'s.
 */
export function textFrame(payload: Buffer): Buffer {
  const [header] = Sender.frame(payload, TEXT) as [Buffer, ...Buffer[]];
  return Buffer.concat([header, payload], header.length + payload.length);
}

/**
 * The frame of a payload that many sockets send in a row (an event's shared
 * bytes, see `sharedFrame`): made for the first and reused by the others. One
 * slot, keyed by the payload's identity, holds the last one.
 */
let lastPayload: Uint8Array | undefined;
let lastFrame: Buffer | undefined;

/** The text frame of `payload`, built once for the sockets that send the same bytes one after the other. */
export function sharedTextFrame(payload: Uint8Array): Buffer {
  if (payload !== lastPayload || lastFrame === undefined) {
    lastFrame = textFrame(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    lastPayload = payload;
  }
  return lastFrame;
}

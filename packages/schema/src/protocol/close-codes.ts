/**
 * WebSocket close codes Wirecall uses. Standard codes (1xxx) keep their RFC 6455
 * meaning; 4xxx codes are ours and mirror the HTTP status they resemble.
 * PROTOCOL.md has the same table; `spec-sync.test.ts` keeps the two identical.
 */
export const CloseCode = {
  /** Normal closure: the client or server closed on purpose. */
  Normal: 1000,
  /** The server is shutting down (sent after a `goaway` message). */
  GoingAway: 1001,
  /** A binary frame arrived; Wirecall v1 speaks text frames only. */
  UnsupportedData: 1003,
  /** Never sent: what a client reports when the socket dropped, failed to open or stopped answering heartbeats. */
  AbnormalClosure: 1006,
  /** A frame exceeded the server's maximum message size (sent by `ws` itself). */
  MessageTooBig: 1009,
  /** The server failed unexpectedly while setting up the connection. */
  InternalError: 1011,
  /** A frame could not be parsed and carried no readable id. */
  BadMessage: 4400,
  /** The connection context rejected the caller as unauthenticated. */
  Unauthorized: 4401,
  /** The connection context rejected the caller as not allowed. */
  Forbidden: 4403,
  /** The client offered a `wirecall.*` subprotocol this server does not speak. */
  UnsupportedSubprotocol: 4406,
  /** No `hello` arrived within the server's handshake timeout. */
  HandshakeTimeout: 4408,
  /** The client kept sending over its rate limit. */
  RateLimited: 4429,
  /** The client read nothing for too long while the server had data for it (slow consumer). */
  SlowConsumer: 4499,
} as const;

/** One of the close codes above. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * What a client does after the connection closed with a code:
 * `reconnect` (with backoff), `reauthenticate` (only with connection params that
 * differ from the rejected ones), or `stop` (retrying cannot help).
 */
export type CloseAction = 'reconnect' | 'reauthenticate' | 'stop';

/**
 * The one table that classifies close codes; clients follow it. Codes not listed
 * (e.g. 1012 Service Restart, 1013 Try Again Later) mean `reconnect`.
 */
const CLOSE_ACTIONS: ReadonlyMap<number, CloseAction> = new Map<number, CloseAction>([
  // The peer closed on purpose: a server that wanted us back would have said 1001.
  [CloseCode.Normal, 'stop'],
  [CloseCode.GoingAway, 'reconnect'],
  // Sending binary frames or garbage again would fail again: a bug, not a blip.
  [CloseCode.UnsupportedData, 'stop'],
  [CloseCode.AbnormalClosure, 'reconnect'],
  // The oversized request already failed; the next connection is fine.
  [CloseCode.MessageTooBig, 'reconnect'],
  [CloseCode.InternalError, 'reconnect'],
  [CloseCode.BadMessage, 'stop'],
  [CloseCode.Unauthorized, 'reauthenticate'],
  [CloseCode.Forbidden, 'reauthenticate'],
  [CloseCode.UnsupportedSubprotocol, 'stop'],
  [CloseCode.HandshakeTimeout, 'reconnect'],
  // Back off and come back: the limit is per connection, the backoff spreads the retries.
  [CloseCode.RateLimited, 'reconnect'],
  // The next connection starts with empty buffers; a client that stalled (a sleeping tab) catches up.
  [CloseCode.SlowConsumer, 'reconnect'],
]);

/** What a client should do after a close with `code` (see `CLOSE_ACTIONS`). */
export function closeAction(code: number): CloseAction {
  return CLOSE_ACTIONS.get(code) ?? 'reconnect';
}

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
const MAX_CLOSE_REASON_BYTES = 123;

function utf8Length(char: string): number {
  const codePoint = char.codePointAt(0) ?? 0;
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

/** Size of `text` in UTF-8, in bytes, without allocating. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (const char of text) bytes += utf8Length(char);
  return bytes;
}

/** Truncates `reason` so that it fits in a close frame, never splitting a character. */
export function limitCloseReason(reason: string): string {
  if (utf8ByteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = '';
  let bytes = 0;
  for (const char of reason) {
    const size = utf8Length(char);
    if (bytes + size > MAX_CLOSE_REASON_BYTES - 3) break;
    out += char;
    bytes += size;
  }
  return `${out}...`;
}

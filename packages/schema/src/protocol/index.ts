/**
 * The Wirecall wire protocol: the only module that names message types, close
 * codes, error codes and subprotocols, and the only one that builds or parses
 * frames. Pure: no sockets, no timers, runs in browsers and Node alike.
 * PROTOCOL.md at the repository root is its normative description.
 * @module
 */

/** Version and subprotocol negotiation */
export { PROTOCOL_VERSION, SUBPROTOCOL_PREFIX, formatSubprotocol, isWirecallSubprotocol } from './version.js';

/** Messages */
export {
  MessageType,
  MAX_BATCH_SIZE,
  MAX_ID_LENGTH,
  MAX_PATH_LENGTH,
  MAX_TIMEOUT_MS,
  MAX_META_ENTRIES,
  type HelloMessage,
  type AuthMessage,
  type WelcomeMessage,
  type Limits,
  type CallMessage,
  type SubscribeMessage,
  type CancelMessage,
  type PingMessage,
  type ResultMessage,
  type ErrorMessage,
  type EventMessage,
  type CompleteMessage,
  type GapMessage,
  GapReason,
  type PongMessage,
  type GoAwayMessage,
  type WireError,
  type ClientMessage,
  type ServerMessage,
} from './messages.js';

/** Frames */
export { encodeMessage, encodeFrames, MAX_BATCH_FRAME_LENGTH, BATCH_FLUSH_LENGTH, MAX_PAYLOAD_DEPTH, MAX_PAYLOAD_VALUES, decodeClientFrame, decodeServerFrame, type DecodedMessage } from './frame.js';
export { encodeEventHead, encodeEventTail } from './event-frame.js';
export { ProtocolError } from './protocol-error.js';

/** Payload codecs */
export { superjsonCodec, jsonCodec, MAX_BIGINT_LENGTH, type Codec } from './codec.js';
export { richCodec } from './rich-codec.js';

/** Close codes */
export { CloseCode, closeAction, limitCloseReason, utf8ByteLength, type CloseAction } from './close-codes.js';

/** Error codes */
export { RpcErrorCode, isBuiltinErrorCode } from './error-codes.js';

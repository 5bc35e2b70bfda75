/**
 * A frame or message that breaks the wire protocol. Thrown by the decoders; the
 * receiving side answers with an `error` message when the message's id could be
 * read, and closes the connection with `CloseCode.BadMessage` when it could not.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

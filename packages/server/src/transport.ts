/**
 * The only view of a socket the server core has. Adapters (see `adapters/ws.ts`)
 * map a WebSocket library onto it, so the core never imports one.
 */
export interface TransportSocket {
  /**
   * Sends one text frame: `data` is its text, or that text's UTF-8 bytes (a
   * frame many sockets send alike is encoded once; see `sharedFrame`).
   * `onWritten`, when given, runs once the frame left the process, or with the
   * error that stopped it. Without it, a failed write shows only as the socket's close.
   */
  readonly send: (data: string | Uint8Array, onWritten?: (error?: Error | null) => void) => void;
  /**
   * Calls `onFlushed` once everything sent so far has left the process, or with
   * the error of a closed socket. It may send a control frame to find out (`ws`: a ping).
   */
  readonly flush: (onFlushed: (error?: Error | null) => void) => void;
  /** Bytes queued in the socket and not yet written out. */
  readonly bufferedAmount: number;
  /** Starts the close handshake. */
  readonly close: (code: number, reason: string) => void;
}

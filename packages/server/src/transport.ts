/**
 * The only view of a socket the server core has. Adapters (see `adapters/ws.ts`)
 * map a WebSocket library onto it, so the core never imports one.
 */
export interface TransportSocket {
  /** Sends one text frame. `onWritten` runs once it left the process, or with the error that stopped it. */
  readonly send: (data: string, onWritten: (error?: Error | null) => void) => void;
  /** Bytes queued in the socket and not yet written out. */
  readonly bufferedAmount: number;
  /** Starts the close handshake. */
  readonly close: (code: number, reason: string) => void;
}

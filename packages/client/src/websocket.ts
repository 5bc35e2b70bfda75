/** The close event fields the client reads. */
export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/**
 * The part of the standard `WebSocket` interface the client uses. The browser's
 * global `WebSocket`, Node ≥ 22's global and the `ws` package all satisfy it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  /** The subprotocol the server selected. */
  readonly protocol: string;
  /** Bytes queued by `send` and not yet handed to the network. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: CloseEventLike) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

/** A `WebSocket` constructor: `globalThis.WebSocket`, or `WebSocket` from the `ws` package on Node 20. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `readyState` of an open socket. */
export const OPEN = 1;

/** Thrown when no WebSocket implementation is available. */
export class MissingWebSocketError extends Error {
  override readonly name = 'MissingWebSocketError';
}

/**
 * The implementation to use: the one passed in options, else the global one.
 * Node 20 has no global WebSocket: pass `WebSocket` from `ws` there.
 */
export function resolveWebSocket(given: WebSocketConstructor | undefined): WebSocketConstructor {
  if (given !== undefined) return given;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global !== undefined) return global;
  throw new MissingWebSocketError(
    "no global WebSocket in this runtime: pass one, e.g. createClient(api, { url, WebSocket }) with `import { WebSocket } from 'ws'`",
  );
}

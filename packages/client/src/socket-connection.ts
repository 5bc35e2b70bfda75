import { CloseCode, limitCloseReason } from '@wirecall/schema/protocol';

import { OPEN, type CloseEventLike, type WebSocketConstructor, type WebSocketLike } from './websocket.js';

/** What the client learns from its socket. */
export interface SocketEvents {
  readonly onOpen: () => void;
  readonly onText: (data: string) => void;
  /** The socket closed or failed to open; called exactly once. */
  readonly onClose: (event: CloseEventLike) => void;
}

/** One WebSocket, opened with the client's subprotocol. */
export interface SocketConnection {
  /** Sends a text frame if the socket is open; drops it otherwise (the request layer fails or resends it). */
  readonly send: (frame: string) => void;
  /** Bytes the socket holds that were not yet handed to the network (0 once it is closed or abandoned). */
  readonly bufferedAmount: () => number;
  readonly close: (code: number, reason: string) => void;
  /**
   * Gives up on a socket that stopped answering (a half-open connection never
   * completes a close handshake): reports the close at once, with code 1006 and
   * `reason`, and ignores the socket from then on.
   */
  readonly abandon: (reason: string) => void;
  /** Resolves once the socket is closed, or was abandoned. */
  readonly closed: Promise<void>;
}

/**
 * The EventEmitter side of the `ws` package's sockets: with `binaryType`
 * "nodebuffer" (its default), a text frame arrives as a `Buffer` with `isBinary`
 * false (before `ws` 8, as a string, without `isBinary`).
 */
interface NodeEventsSocket {
  readonly binaryType: string;
  on(type: 'message', listener: (data: unknown, isBinary?: boolean) => void): unknown;
}

function hasNodeEvents(socket: WebSocketLike): socket is WebSocketLike & NodeEventsSocket {
  const candidate = socket as Partial<NodeEventsSocket>;
  return typeof candidate.on === 'function' && candidate.binaryType === 'nodebuffer';
}

function errorText(event: unknown): string {
  const message = (event as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}

/**
 * Opens a socket offering `subprotocol` and maps its events onto `events`.
 * A server that does not select the subprotocol is disconnected at once.
 */
export function openSocket(
  WebSocketImpl: WebSocketConstructor,
  url: string,
  subprotocol: string,
  events: SocketEvents,
): SocketConnection {
  let lastError = '';
  let reported = false;
  let socket: WebSocketLike;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });

  function reportClose(event: CloseEventLike): void {
    markClosed();
    if (reported) return;
    reported = true;
    const reason = event.reason === '' ? lastError : event.reason;
    events.onClose({ code: event.code, reason, wasClean: event.wasClean });
  }

  try {
    socket = new WebSocketImpl(url, subprotocol);
  } catch (error) {
    // An invalid URL throws synchronously; report it like any failed connection.
    const reason = error instanceof Error ? error.message : 'could not open the WebSocket';
    queueMicrotask(() => {
      reportClose({ code: CloseCode.AbnormalClosure, reason, wasClean: false });
    });
    return { send: () => undefined, bufferedAmount: () => 0, close: () => undefined, abandon: () => undefined, closed };
  }

  socket.addEventListener('open', () => {
    if (socket.protocol !== subprotocol) {
      const reason = `server selected subprotocol "${socket.protocol}", expected ${subprotocol}`;
      socket.close(CloseCode.UnsupportedSubprotocol, limitCloseReason(reason));
      return;
    }
    events.onOpen();
  });
  const onData = (data: unknown, isText: boolean): void => {
    // A `Buffer`'s `toString()` decodes UTF-8. Called directly: `String(data)` would look up
    // `Symbol.toPrimitive` and `toString` on every message (docs/performance.md).
    if (isText) events.onText(typeof data === 'string' ? data : (data as { toString(): string }).toString());
    else socket.close(CloseCode.UnsupportedData, 'binary frames are not supported');
  };
  if (hasNodeEvents(socket)) {
    // `ws` on Node: its EventEmitter side skips the MessageEvent that `addEventListener` builds per message.
    socket.on('message', (data, isBinary) => {
      onData(data, isBinary === false || (isBinary === undefined && typeof data === 'string'));
    });
  } else {
    socket.addEventListener('message', (event) => {
      onData(event.data, typeof event.data === 'string');
    });
  }
  socket.addEventListener('error', (event) => {
    lastError = errorText(event);
  });
  socket.addEventListener('close', reportClose);

  return {
    send(frame) {
      if (socket.readyState === OPEN) socket.send(frame);
    },
    bufferedAmount() {
      return reported ? 0 : socket.bufferedAmount;
    },
    close(code, reason) {
      socket.close(code, limitCloseReason(reason));
    },
    abandon(reason) {
      reportClose({ code: CloseCode.AbnormalClosure, reason, wasClean: false });
      socket.close(CloseCode.Normal, limitCloseReason(reason));
    },
    closed,
  };
}

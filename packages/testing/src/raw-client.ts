import { formatSubprotocol } from '@wirecall/schema/protocol';
import { WebSocket } from 'ws';

import { createDeferred, withTimeout } from './deferred.js';

/** How a raw socket closed. */
export interface RawClose {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** A WebSocket that speaks bytes, not our client: for wire conformance tests. */
export interface RawClient {
  readonly socket: WebSocket;
  /** Sends a frame: strings as they are, anything else as JSON. */
  send(frame: unknown): void;
  /** The next frame the server sent, parsed as JSON (frames are queued from the moment the socket opens). */
  nextMessage(timeoutMs?: number): Promise<unknown>;
  /** Resolves with the close code and reason. */
  closed(timeoutMs?: number): Promise<RawClose>;
  close(): void;
}

/** Options of `rawClient`. */
export interface RawClientOptions {
  /** Subprotocols to offer; defaults to `wirecall.v1+json`. Pass `[]` to offer none. */
  protocols?: string[];
}

/** Opens a raw socket and resolves once it is open. */
export async function rawClient(url: string, options: RawClientOptions = {}): Promise<RawClient> {
  const protocols = options.protocols ?? [formatSubprotocol('json')];
  const socket = new WebSocket(url, protocols);
  const frames: string[] = [];
  const waiters: ((frame: string) => void)[] = [];
  const closed = createDeferred<RawClose>();
  const opened = createDeferred();
  socket.on('message', (data, isBinary) => {
    const frame = isBinary ? '<binary>' : (data as Buffer).toString('utf8');
    const waiter = waiters.shift();
    if (waiter === undefined) frames.push(frame);
    else waiter(frame);
  });
  socket.on('open', () => {
    opened.resolve();
  });
  socket.on('error', (error) => {
    opened.reject(error);
  });
  socket.on('close', (code, reason) => {
    closed.resolve({ code, reason: reason.toString('utf8'), wasClean: true });
    opened.reject(new Error(`closed before opening (${String(code)})`));
  });
  await withTimeout(opened.promise, 2000, 'the raw socket to open');
  return {
    socket,
    send(frame) {
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    async nextMessage(timeoutMs = 2000) {
      const queued = frames.shift();
      const frame =
        queued ??
        (await withTimeout(
          new Promise<string>((resolve) => waiters.push(resolve)),
          timeoutMs,
          'a message from the server',
        ));
      return JSON.parse(frame) as unknown;
    },
    closed(timeoutMs = 2000) {
      return withTimeout(closed.promise, timeoutMs, 'the socket to close');
    },
    close() {
      socket.close();
    },
  };
}

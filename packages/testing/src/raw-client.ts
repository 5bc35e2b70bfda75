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
  readonly send: (frame: unknown) => void;
  /** The next frame the server sent, parsed as JSON (frames are queued from the moment the socket opens). */
  readonly nextMessage: (timeoutMs?: number) => Promise<unknown>;
  /** The next `count` messages, batch frames flattened into their messages. */
  readonly nextMessages: (count: number, timeoutMs?: number) => Promise<unknown[]>;
  /** Resolves with the close code and reason. */
  readonly closed: (timeoutMs?: number) => Promise<RawClose>;
  readonly close: () => void;
}

/** Options of `rawClient`. */
export interface RawClientOptions {
  /** Subprotocols to offer; defaults to `wirecall.v1+json`. Pass `[]` to offer none. */
  protocols?: string[];
  /**
   * Sends `hello` with these params and waits for `welcome` before resolving
   * (the default, with no params). `false` leaves the handshake to the test.
   */
  hello?: { params?: unknown } | false;
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
  socket.addEventListener('close', ({ code, reason, wasClean }) => {
    closed.resolve({ code, reason, wasClean });
    opened.reject(new Error(`closed before opening (${String(code)})`));
  });
  await withTimeout(opened.promise, 2000, 'the raw socket to open');
  const client: RawClient = {
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
    async nextMessages(count, timeoutMs) {
      const messages: unknown[] = [];
      while (messages.length < count) {
        const frame = await client.nextMessage(timeoutMs);
        if (Array.isArray(frame)) messages.push(...(frame as unknown[]));
        else messages.push(frame);
      }
      return messages;
    },
    closed(timeoutMs = 2000) {
      return withTimeout(closed.promise, timeoutMs, 'the socket to close');
    },
    close() {
      socket.close();
    },
  };
  if (options.hello !== false) {
    client.send({ type: 'hello', ...(options.hello?.params === undefined ? {} : { params: options.hello.params }) });
    const welcome = (await client.nextMessage()) as { type?: unknown };
    if (welcome.type !== 'welcome') throw new Error(`expected welcome, got ${JSON.stringify(welcome)}`);
  }
  return client;
}

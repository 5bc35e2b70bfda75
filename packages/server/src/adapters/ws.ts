import { Buffer } from 'node:buffer';
import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';

import { CloseCode, limitCloseReason } from '@wirecall/schema/protocol';
import { WebSocketServer, type PerMessageDeflateOptions, type RawData, type WebSocket } from 'ws';

import { parseRequestUrl } from '../connection-info.js';
import type { MetricsRecorder } from '../metrics/server-metrics.js';
import type { AcceptedConnection, ServerCoreForAdapters } from '../rpc-server.js';
import type { TransportSocket } from '../transport.js';
import { sharedTextFrame, textFrame } from './ws-text-frame.js';

/** The `ws` server attached to an HTTP(S) server; `close` detaches it and closes its sockets. */
export interface WebSocketAttachment {
  /** Stops accepting upgrades, waits up to `graceMs` for open sockets to finish closing, then terminates the rest. */
  readonly close: (graceMs: number) => Promise<void>;
}

/** Options of `attachWebSocketServer`. */
export interface AttachOptions {
  /** URL path that accepts WebSocket upgrades; other paths are left to other listeners. */
  path: string;
}

/** `ws` send options: a text frame, whether its data is a string or UTF-8 bytes. */
const TEXT_FRAME = { binary: false } as const;

/** Bounded-memory permessage-deflate: small windows, a concurrency cap, and a size threshold. */
function deflateOptions(compression: ServerCoreForAdapters['compression']): PerMessageDeflateOptions | false {
  if (compression === false) return false;
  return {
    threshold: compression.thresholdBytes ?? 1024,
    zlibDeflateOptions: { level: compression.level ?? 3, memLevel: 7 },
    serverMaxWindowBits: 12,
    clientMaxWindowBits: 12,
    concurrencyLimit: 10,
  };
}

/**
 * One accepted socket as the core sees it (`TransportSocket`), and what the
 * adapter tracks about it. One object per socket, methods on the prototype:
 * an idle connection pays for fields, not closures.
 */
class SocketLink implements TransportSocket {
  readonly ws: WebSocket;
  /**
   * The socket under `ws`, written to directly when no extension was negotiated:
   * `ws` then frames and writes each message at once, so a whole frame written
   * here keeps its place among `ws`'s own (pings, close). `undefined` with
   * permessage-deflate, whose frames only `ws` can make and order.
   */
  readonly #raw: Duplex | undefined;
  /** The connection the socket's messages go to; set right after `accept`. */
  connection: AcceptedConnection | undefined;
  /** Whether the peer answered the last heartbeat ping (or sent anything since). */
  answered = true;
  /** The close frame the server sent first, if it did: it says why the connection ended better than the echo. */
  sentCloseCode: number | undefined;
  sentCloseReason = '';
  readonly #recorder: MetricsRecorder | undefined;

  constructor(ws: WebSocket, raw: Duplex, recorder: MetricsRecorder | undefined) {
    this.ws = ws;
    this.#raw = ws.extensions === '' ? raw : undefined;
    this.#recorder = recorder;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(data: string | Uint8Array, onWritten?: (error?: Error | null) => void): void {
    if (this.#raw === undefined || this.ws.readyState !== this.ws.OPEN) {
      this.#recorder?.sent(typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);
      // Bytes go out as they are, in a text frame: `ws` neither copies nor re-encodes them.
      this.ws.send(data, TEXT_FRAME, onWritten);
      return;
    }
    // One write of a whole frame; shared bytes (an event many sockets send) are framed once for all.
    // A string is encoded once, and the metrics count the bytes of that encoding.
    let frame: Buffer;
    if (typeof data === 'string') {
      const payload = Buffer.from(data, 'utf8');
      this.#recorder?.sent(payload.length);
      frame = textFrame(payload);
    } else {
      this.#recorder?.sent(data.byteLength);
      frame = sharedTextFrame(data);
    }
    this.#raw.write(frame, onWritten);
  }

  flush(onFlushed: (error?: Error | null) => void): void {
    // A ping leaves after every frame sent before it; `ws` calls back once it is written (or with the error of a closed socket).
    this.ws.ping(undefined, undefined, onFlushed);
  }

  close(code: number, reason: string): void {
    if (this.sentCloseCode === undefined) {
      this.sentCloseCode = code;
      this.sentCloseReason = reason;
    }
    this.ws.close(code, reason);
  }
}

/** Raw sockets of upgrade requests are destroyed on error; one listener shared by all (`this` is the socket). */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((total, chunk) => total + chunk.length, 0);
  return data.byteLength;
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Answers an upgrade request with a plain HTTP error and drops the socket. */
function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${String(status)} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${String(Buffer.byteLength(body))}\r\n\r\n${body}`,
  );
}

function offeredSubprotocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  if (header === undefined) return [];
  return header
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/**
 * Serves `core` on `path` of an HTTP(S) server, sharing its port with other
 * routes. With `ws-text-frame.ts`, the only module that imports `ws`: it owns
 * the `error` listeners, subprotocol selection and socket shutdown.
 */
export function attachWebSocketServer(
  core: ServerCoreForAdapters,
  httpServer: HttpServer | HttpsServer,
  options: AttachOptions,
): WebSocketAttachment {
  const recorder = core.metricsRecorder;
  const selected = new WeakMap<IncomingMessage, string>();
  /** Open sockets, for the heartbeat and for shutdown. */
  const sockets = new Map<WebSocket, SocketLink>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: deflateOptions(core.compression),
    maxPayload: core.maxPayloadBytes,
    handleProtocols: (_offered, request) => selected.get(request) ?? false,
  });
  wss.on('error', (error) => {
    core.logger.error('WebSocket server error', { error });
  });

  // Heartbeat: every interval, sockets that did not answer the previous ping (or send anything) are dropped.
  const heartbeat =
    core.heartbeatIntervalMs > 0
      ? setInterval(() => {
          for (const [ws, link] of sockets) {
            if (!link.answered) {
              core.logger.warn('peer missed a heartbeat; terminating its socket', {});
              ws.terminate();
              continue;
            }
            link.answered = false;
            ws.ping();
          }
        }, core.heartbeatIntervalMs)
      : undefined;

  // The listeners of every socket, shared: `ws` calls them with the socket as `this`.
  function onError(error: Error): void {
    core.logger.warn('WebSocket error', { error });
  }
  function onPong(this: WebSocket): void {
    const link = sockets.get(this);
    if (link !== undefined) link.answered = true;
  }
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const link = sockets.get(this);
    if (link?.connection === undefined) return;
    link.answered = true;
    recorder?.received(byteLength(data));
    if (isBinary) link.connection.receiveBinary();
    else link.connection.receive(toText(data));
  }
  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    const link = sockets.get(this);
    sockets.delete(this);
    // The peer echoes our close code, but a socket that drops after we closed reports 1006: what we sent wins.
    if (link?.sentCloseCode === undefined) link?.connection?.handleClose(code, reason.toString('utf8'));
    else link.connection?.handleClose(link.sentCloseCode, link.sentCloseReason);
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (parseRequestUrl(request).pathname !== options.path) {
      // Leave other paths to other upgrade listeners; refuse when there are none.
      if (httpServer.listenerCount('upgrade') === 1) {
        recorder?.upgradeRefused('not_found');
        refuseUpgrade(socket, 404, 'no WebSocket endpoint at this path');
      }
      return;
    }
    socket.on('error', destroyOnError);
    if (core.closing) {
      recorder?.upgradeRefused('shutting_down');
      refuseUpgrade(socket, 503, 'server shutting down');
      return;
    }
    const admitted = core.admission.admit(request);
    if (typeof admitted !== 'function') {
      recorder?.upgradeRefused(admitted.kind);
      refuseUpgrade(socket, admitted.status, admitted.reason);
      return;
    }
    // The raw socket closes in every case (refused handshake, or later WebSocket close): free the slots then.
    socket.on('close', admitted);
    const negotiation = core.negotiate(offeredSubprotocols(request));
    if (negotiation.kind === 'missing') {
      recorder?.upgradeRefused('subprotocol_missing');
      refuseUpgrade(socket, 400, negotiation.reason);
      return;
    }
    selected.set(request, negotiation.subprotocol);
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', onError);
      if (negotiation.kind === 'unsupported') {
        recorder?.upgradeRefused('subprotocol_unsupported');
        ws.close(CloseCode.UnsupportedSubprotocol, limitCloseReason(negotiation.reason));
        return;
      }
      const link = new SocketLink(ws, socket, recorder);
      sockets.set(ws, link);
      link.connection = core.accept(link, negotiation.codec, request);
      ws.on('pong', onPong);
      ws.on('message', onMessage);
      ws.on('close', onClose);
    });
  }

  httpServer.on('upgrade', onUpgrade);

  return {
    async close(graceMs) {
      httpServer.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      const closed = [...sockets.keys()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => {
              resolve();
            });
          }),
      );
      const timer = setTimeout(() => {
        for (const ws of sockets.keys()) ws.terminate();
      }, graceMs);
      await Promise.all(closed);
      clearTimeout(timer);
      await new Promise<void>((resolve) => {
        wss.close(() => {
          resolve();
        });
      });
    },
  };
}

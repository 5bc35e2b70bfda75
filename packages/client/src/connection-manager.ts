import { RpcError } from '@wirecall/schema';
import {
  closeAction,
  CloseCode,
  decodeServerFrame,
  formatSubprotocol,
  MAX_BATCH_FRAME_LENGTH,
  MAX_TIMEOUT_MS,
  MessageType,
  RpcErrorCode,
  type ClientMessage,
  type Codec,
  type ServerMessage,
  type WelcomeMessage,
} from '@wirecall/schema/protocol';

import { backoffDelay, type ReconnectOptions } from './backoff.js';
import { connectionLost } from './errors.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { createOutbox, type Outbox } from './outbox.js';
import { openSocket, type SocketConnection } from './socket-connection.js';
import type { CloseEventLike, WebSocketConstructor } from './websocket.js';
import { wireKey } from './wire-key.js';

/**
 * State of the connection. `connecting`: the first socket is opening (or saying
 * hello). `open`: welcomed, requests flow. `reconnecting`: the connection was
 * lost and a new one is scheduled or opening. `closed`: for good.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Everything observable about the connection. */
export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** Reconnection attempt in progress or scheduled (0 while open). */
  readonly attempt: number;
  /** Delay before the scheduled attempt, while `reconnecting`. */
  readonly nextDelayMs: number | undefined;
  /** How the last socket closed. */
  readonly lastClose: { readonly code: number; readonly reason: string } | undefined;
  /** Round-trip time measured by the last heartbeat. */
  readonly rttMs: number | undefined;
  /** Server-assigned id of the current connection, once welcomed. */
  readonly connectionId: string | undefined;
}

/** Heartbeat settings of the client. */
export interface HeartbeatOptions {
  /** Ping interval; defaults to what the server announces in `welcome`. */
  readonly intervalMs?: number;
  /** Time to wait for a pong before treating the server as dead. Default: the interval, at most 10 s. */
  readonly timeoutMs?: number;
}

/** What the request layer learns from the connection. */
export interface ConnectionEvents {
  /** Welcomed (first time or after a reconnect): requests may be sent. */
  readonly onOpen: (welcome: WelcomeMessage) => void;
  /** A message addressed to a request. */
  readonly onReply: (message: ServerMessage) => void;
  /** The server is going away: hold new requests until the next connection. */
  readonly onGoAway: () => void;
  /** The socket is gone. `final`: no reconnection will follow, and `error` is why. */
  readonly onDisconnect: (error: RpcError, final: boolean) => void;
  readonly onStatus: (status: ConnectionStatus) => void;
}

/** Options of the connection manager. */
export interface ConnectionManagerOptions {
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  readonly codec: Codec;
  readonly params: (() => unknown) | undefined;
  readonly reconnect: ReconnectOptions | false;
  readonly heartbeat: HeartbeatOptions | false;
  /** Time allowed to open the socket and be welcomed. */
  readonly connectTimeoutMs: number;
  /** Re-authenticate this long before the credentials expire. */
  readonly refreshBeforeExpiryMs: number;
  readonly events: ConnectionEvents;
}

/** Owns the socket: handshake, heartbeats, reconnection with backoff, re-authentication. */
export interface ConnectionManager {
  readonly status: () => ConnectionStatus;
  /** Sends a message encoded with `encodeMessage` on the open socket (the caller checks `status().state === 'open'`). */
  readonly sendEncoded: (encoded: string) => void;
  /** Bytes written and not yet handed to the network: the socket's `bufferedAmount` plus what waits for this tick's frame. */
  readonly pendingBytes: () => number;
  /** Largest frame the server accepts (from `welcome`), in bytes. */
  readonly maxPayloadBytes: () => number | undefined;
  /** Sends fresh connection params; resolves when the server welcomed them. */
  readonly reauthenticate: () => Promise<void>;
  /** After `goaway`: closes the current socket (the request layer has nothing in flight), and reconnects. */
  readonly leave: () => void;
  /** Closes for good; resolves once the socket is closed. */
  readonly close: () => Promise<void>;
}

const MAX_HEARTBEAT_TIMEOUT_MS = 10_000;

interface BrowserSignals {
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
  document?: {
    visibilityState?: string;
    addEventListener?: (type: string, listener: () => void) => void;
    removeEventListener?: (type: string, listener: () => void) => void;
  };
}

/** Starts connecting at once. */
export function createConnectionManager(options: ConnectionManagerOptions): ConnectionManager {
  const { codec, events } = options;
  const subprotocol = formatSubprotocol(codec.name);
  let status: ConnectionStatus = {
    state: 'connecting',
    attempt: 0,
    nextDelayMs: undefined,
    lastClose: undefined,
    rttMs: undefined,
    connectionId: undefined,
  };
  let socket: SocketConnection | undefined;
  let outbox: Outbox | undefined;
  let heartbeat: Heartbeat | undefined;
  let welcomed = false;
  /** Token of the server-side session, sent in the next `hello` so that retried mutations run once. */
  let session: string | undefined;
  let maxPayloadBytes: number | undefined;
  let goingAway: { readonly reconnectWithinMs: number; readonly reason: string } | undefined;
  let sentParamsKey: string | undefined;
  let rejectedParamsKey: string | undefined;
  let rejectedCode: typeof RpcErrorCode.Unauthorized | typeof RpcErrorCode.Forbidden = RpcErrorCode.Unauthorized;
  let connectTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let pendingAuth: { resolve: () => void; reject: (error: unknown) => void; promise: Promise<void> } | undefined;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  function update(patch: Partial<ConnectionStatus>): void {
    status = { ...status, ...patch };
    events.onStatus(status);
  }

  const browser = globalThis as BrowserSignals;
  const onOnline = (): void => {
    retryNow();
  };
  const onVisible = (): void => {
    if (browser.document?.visibilityState === 'visible') retryNow();
  };
  browser.addEventListener?.('online', onOnline);
  browser.document?.addEventListener?.('visibilitychange', onVisible);

  function retryNow(): void {
    if (status.state !== 'reconnecting' || retryTimer === undefined) return;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    void connect();
  }

  /**
   * Evaluates the connection params, then opens a socket and says hello with
   * them. Params rejected before (4401/4403) and unchanged since stop the client
   * instead of opening a socket: no reconnection storm on bad credentials.
   */
  async function connect(): Promise<void> {
    welcomed = false;
    goingAway = undefined;
    let params: unknown;
    try {
      params = await options.params?.();
    } catch (error) {
      lost({ code: CloseCode.AbnormalClosure, reason: `the params function failed: ${error instanceof Error ? error.message : String(error)}`, wasClean: false });
      return;
    }
    if (status.state === 'closed') return;
    const key = wireKey(codec, params);
    if (rejectedParamsKey !== undefined && key === rejectedParamsKey) {
      stop(new RpcError(rejectedCode, `${status.lastClose?.reason ?? 'rejected'} (the connection params did not change)`));
      return;
    }
    sentParamsKey = key;
    const current = openSocket(options.WebSocket, options.url, subprotocol, {
      onOpen: () => {
        try {
          send({ type: MessageType.Hello, params, ...(session === undefined ? {} : { session }) });
        } catch (error) {
          // Retrying cannot help params the codec cannot carry.
          stop(new RpcError(RpcErrorCode.BadRequest, 'the connection params could not be encoded', { cause: error }));
        }
      },
      onText: (data) => {
        receive(current, data);
      },
      onClose: (event) => {
        if (socket === current) lost(event);
      },
    });
    socket = current;
    outbox = createOutbox(codec, current.send, () =>
      maxPayloadBytes === undefined ? MAX_BATCH_FRAME_LENGTH : Math.min(MAX_BATCH_FRAME_LENGTH, Math.floor(maxPayloadBytes / 3)),
    );
    connectTimer = setTimeout(() => {
      current.abandon(`not connected within ${String(options.connectTimeoutMs)} ms`);
    }, options.connectTimeoutMs);
  }

  function welcome(message: WelcomeMessage): void {
    clearTimeout(connectTimer);
    session = message.session;
    maxPayloadBytes = message.limits.maxPayloadBytes;
    scheduleRefresh(message.expiresAt);
    if (pendingAuth !== undefined) {
      pendingAuth.resolve();
      pendingAuth = undefined;
    }
    if (welcomed) return;
    welcomed = true;
    rejectedParamsKey = undefined;
    startHeartbeats(message.heartbeatIntervalMs);
    update({ state: 'open', attempt: 0, nextDelayMs: undefined, connectionId: message.connectionId });
    events.onOpen(message);
  }

  function startHeartbeats(announcedMs: number): void {
    if (options.heartbeat === false) return;
    const intervalMs = options.heartbeat.intervalMs ?? announcedMs;
    if (intervalMs <= 0) return;
    const current = socket;
    heartbeat = startHeartbeat({
      intervalMs,
      timeoutMs: options.heartbeat.timeoutMs ?? Math.min(intervalMs, MAX_HEARTBEAT_TIMEOUT_MS),
      sendPing: () => {
        send({ type: MessageType.Ping });
      },
      onTimeout: () => {
        current?.abandon('the server did not answer a heartbeat');
      },
      onRoundTrip: (rttMs) => {
        update({ rttMs });
      },
    });
  }

  function scheduleRefresh(expiresAt: number | undefined): void {
    clearTimeout(refreshTimer);
    refreshTimer = undefined;
    if (expiresAt === undefined || options.params === undefined) return;
    const delay = Math.max(0, expiresAt - options.refreshBeforeExpiryMs - Date.now());
    // Timers overflow past ~24.8 days: wake up at the limit and look again.
    refreshTimer = setTimeout(
      () => {
        if (delay > MAX_TIMEOUT_MS) scheduleRefresh(expiresAt);
        else reauthenticate().catch(() => undefined);
      },
      Math.min(delay, MAX_TIMEOUT_MS),
    );
  }

  function receive(current: SocketConnection, data: string): void {
    let decoded;
    try {
      decoded = decodeServerFrame(data, codec);
    } catch (error) {
      current.close(CloseCode.BadMessage, error instanceof Error ? error.message : 'bad message');
      return;
    }
    for (const item of decoded) {
      if (!item.ok) {
        // A malformed message for a request fails that request; any other is ignored.
        if (item.id !== undefined) {
          events.onReply({
            type: MessageType.Error,
            id: item.id,
            error: { code: RpcErrorCode.InternalServerError, message: item.error.message },
          });
        }
        continue;
      }
      const message = item.message;
      switch (message.type) {
        case MessageType.Welcome:
          welcome(message);
          break;
        case MessageType.Pong:
          heartbeat?.pong();
          break;
        case MessageType.GoAway:
          goingAway = { reconnectWithinMs: message.reconnectWithinMs ?? 0, reason: message.reason ?? 'server going away' };
          events.onGoAway();
          break;
        case MessageType.Result:
        case MessageType.Error:
        case MessageType.Event:
        case MessageType.Complete:
        case MessageType.Gap:
          events.onReply(message);
          break;
      }
    }
  }

  function teardownSocket(): void {
    clearTimeout(connectTimer);
    clearTimeout(refreshTimer);
    refreshTimer = undefined;
    heartbeat?.stop();
    heartbeat = undefined;
    socket = undefined;
    outbox = undefined;
  }

  function lost(event: CloseEventLike): void {
    const wasGoingAway = goingAway;
    // After goaway the server is what went away, whoever closed the socket.
    const lastClose =
      wasGoingAway === undefined
        ? { code: event.code, reason: event.reason }
        : { code: CloseCode.GoingAway, reason: wasGoingAway.reason };
    const action = wasGoingAway === undefined ? closeAction(event.code) : 'reconnect';
    const error =
      action === 'reauthenticate'
        ? new RpcError(event.code === CloseCode.Forbidden ? RpcErrorCode.Forbidden : RpcErrorCode.Unauthorized, event.reason, {
            data: { closeCode: event.code, reason: event.reason },
          })
        : connectionLost({ closeCode: lastClose.code, reason: lastClose.reason });
    teardownSocket();
    pendingAuth?.reject(error);
    pendingAuth = undefined;
    if (status.state === 'closed') return;
    if (action === 'stop' || options.reconnect === false) {
      stop(error, lastClose);
      return;
    }
    if (action === 'reauthenticate') {
      rejectedParamsKey = sentParamsKey;
      rejectedCode = event.code === CloseCode.Forbidden ? RpcErrorCode.Forbidden : RpcErrorCode.Unauthorized;
      if (options.params === undefined) {
        stop(error, lastClose);
        return;
      }
    }
    const attempt = status.attempt + 1;
    if (options.reconnect.maxAttempts !== undefined && attempt > options.reconnect.maxAttempts) {
      stop(error, lastClose);
      return;
    }
    // After a goaway the server asked for a random moment within its window, and this is no failure.
    const delay =
      wasGoingAway === undefined
        ? backoffDelay(attempt, options.reconnect)
        : Math.floor(Math.random() * wasGoingAway.reconnectWithinMs);
    update({ state: 'reconnecting', attempt: wasGoingAway === undefined ? attempt : 0, nextDelayMs: delay, lastClose, connectionId: undefined });
    events.onDisconnect(error, false);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  }

  function stop(error: RpcError, lastClose = status.lastClose): void {
    if (status.state === 'closed') return;
    const current = socket;
    teardownSocket();
    clearTimeout(retryTimer);
    retryTimer = undefined;
    browser.removeEventListener?.('online', onOnline);
    browser.document?.removeEventListener?.('visibilitychange', onVisible);
    update({ state: 'closed', nextDelayMs: undefined, lastClose, connectionId: undefined });
    events.onDisconnect(error, true);
    if (current === undefined) resolveClosed();
    else {
      current.close(CloseCode.Normal, 'client closed');
      void current.closed.then(resolveClosed);
    }
  }

  function send(message: ClientMessage): void {
    outbox?.push(message);
  }

  /** Sends fresh params; concurrent calls share one re-authentication. Not connected: the next connection uses fresh params anyway. */
  function reauthenticate(): Promise<void> {
    if (status.state !== 'open' || options.params === undefined) return Promise.resolve();
    if (pendingAuth !== undefined) return pendingAuth.promise;
    let settle: { resolve: () => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
    const promise = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const pending = { ...settle, promise };
    pendingAuth = pending;
    Promise.resolve(options.params())
      .then((params) => {
        sentParamsKey = wireKey(codec, params);
        send({ type: MessageType.Auth, params });
      })
      .catch((error: unknown) => {
        if (pendingAuth === pending) pendingAuth = undefined;
        pending.reject(error);
      });
    return promise;
  }

  void connect();

  return {
    status: () => status,
    sendEncoded: (encoded) => {
      outbox?.pushEncoded(encoded);
    },
    pendingBytes: () => (socket?.bufferedAmount() ?? 0) + (outbox?.queuedLength() ?? 0),
    maxPayloadBytes: () => maxPayloadBytes,
    reauthenticate,
    leave() {
      if (goingAway !== undefined) socket?.close(CloseCode.Normal, 'going away acknowledged');
    },
    close() {
      stop(connectionLost({ closeCode: CloseCode.Normal, reason: 'client closed' }), status.lastClose);
      return closed;
    },
  };
}

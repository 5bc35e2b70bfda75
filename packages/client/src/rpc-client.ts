import { mapContract, RpcError, type Contract, type Procedure } from '@wirecall/schema';
import {
  encodeMessage,
  MAX_TIMEOUT_MS,
  MessageType,
  richCodec,
  RpcErrorCode,
  utf8ByteLength,
  type Codec,
  type Limits,
  type ServerMessage,
} from '@wirecall/schema/protocol';

import type { ReconnectOptions } from './backoff.js';
import type { CallOptions, Client, ClientState } from './client-types.js';
import {
  createConnectionManager,
  type ConnectionStatus,
  type HeartbeatOptions,
} from './connection-manager.js';
import { outcomeUnknown, timedOut } from './errors.js';
import { PendingRequest, type Cursor, type LostPolicy, type RequestSink } from './pending-request.js';
import { CallSink, StreamSink } from './request-sinks.js';
import { RequestRegistry } from './request-registry.js';
import { SharedStreams } from './shared-streams.js';
import { createSubscription, type SubscribeOptions, type SubscriptionPolicy, type SubscriptionSink } from './subscription.js';
import { resolveWebSocket, type WebSocketConstructor } from './websocket.js';
import { wireKey } from './wire-key.js';

/** Options of `createClient`. */
export interface ClientOptions {
  /** WebSocket URL of the server, e.g. `ws://localhost:8080/`. */
  url: string;
  /** WebSocket implementation; defaults to the global one. On Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /**
   * Payload codec; the client offers only its subprotocol, so it must be one the server
   * accepts (4406 otherwise). Default: `richCodec` (`wirecall.v1+rich`); `superjsonCodec`
   * and `jsonCodec` are the alternatives.
   * @see PROTOCOL.md#subprotocol
   */
  codec?: Codec;
  /**
   * Connection params sent in `hello` (e.g. `{ token }`), evaluated again on
   * every (re)connection and re-authentication, so refreshed tokens are used.
   */
  params?: () => unknown;
  /** Automatic reconnection (capped exponential backoff, full jitter), or `false`. On by default. */
  reconnect?: ReconnectOptions | false;
  /** Application-level heartbeats that detect a dead server, or `false`. Interval from the server by default. */
  heartbeat?: HeartbeatOptions | false;
  /** Time allowed to open the socket and be welcomed before trying again. Default 10 s. */
  connectTimeoutMs?: number;
  /** Re-authenticate (with `params`) this long before the server says the credentials expire. Default 30 s. */
  refreshBeforeExpiryMs?: number;
  /**
   * Requests held while disconnected (live subscriptions included); more fail at
   * once with UNAVAILABLE. While connected, requests waiting behind the server's
   * `maxInFlightCalls` / `maxSubscriptions` or a full socket are not bounded (as
   * an HTTP agent queues behind its sockets): they drain as the server answers,
   * so a `Promise.all` over thousands of calls completes.
   * @default 1024
   */
  maxQueuedRequests?: number;
  /**
   * Outgoing bytes the socket may hold (its `bufferedAmount`) before new
   * requests wait in the client instead of piling up in the socket, while the
   * server reads slowly; they are sent once it drains (checked every 10 ms
   * meanwhile: browsers report no drain event). Cancels and pings are never held.
   * @default 1_048_576 (1 MiB)
   */
  sendHighWaterMarkBytes?: number;
}

/** Default time to open the socket and be welcomed. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default lead time of the automatic re-authentication before credentials expire. */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_MS = 30_000;
/** Default bound of requests held while disconnected. */
export const DEFAULT_MAX_QUEUED_REQUESTS = 1024;
/** Default outgoing buffer above which requests wait in the client. */
export const DEFAULT_SEND_HIGH_WATER_MARK_BYTES = 1024 * 1024;
/** How often a client over its send high-water mark looks whether the socket drained. */
const DRAIN_CHECK_MS = 10;

/** The order in which waiting requests go out: subscriptions first (the server bounds them apart from calls). */
const KINDS = ['subscription', 'call'] as const;

interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  readonly meta?: Readonly<Record<string, string>> | undefined;
}

/** What happens to a sent call of this procedure when the connection drops (see `ConnectionLostPolicy`). */
function lostPolicy(procedure: Procedure): LostPolicy {
  const { kind, onConnectionLost } = procedure['~rpc'];
  if (onConnectionLost === 'fail') return 'fail';
  return kind === 'mutation' ? 'once' : 'resend';
}

/** Whether an error says the request never ran and may be sent again on another connection. */
function isNotStarted(message: ServerMessage): boolean {
  return (
    message.type === MessageType.Error &&
    message.error.code === RpcErrorCode.Unavailable &&
    (message.error.data as { retry?: unknown } | undefined)?.retry === 'safe'
  );
}

/**
 * Connects to a Wirecall server and returns a typed proxy of `contract`:
 * `client.greet.query(input)`, `client.chat.send.mutate(input)`,
 * `client.chat.messages.subscribe(input, options)`. Every call and stream is
 * multiplexed over one WebSocket. Requests made before the connection is open
 * wait for it; subscriptions survive reconnections (they are sent again).
 */
export function createClient<TContract extends Contract>(contract: TContract, options: ClientOptions): Client<TContract> {
  const codec = options.codec ?? richCodec;
  const registry = new RequestRegistry();
  const stateListeners = new Set<(state: ClientState, status: ConnectionStatus) => void>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  const maxQueued = options.maxQueuedRequests ?? DEFAULT_MAX_QUEUED_REQUESTS;
  const sendHighWaterMarkBytes = options.sendHighWaterMarkBytes ?? DEFAULT_SEND_HIGH_WATER_MARK_BYTES;
  /** Set while requests wait for the socket to drain below `sendHighWaterMarkBytes`. */
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  let limits: Limits | undefined;
  let draining = false;
  let stopped: RpcError | undefined;
  let state: ClientState = 'connecting';
  let nextId = 0;
  /** Whether the server keeps a session for this client, so a mutation on the wire can be resent safely. */
  let sessionOffered = false;
  const shared = new SharedStreams();

  const connection = createConnectionManager({
    url: options.url,
    WebSocket: resolveWebSocket(options.WebSocket),
    codec,
    params: options.params,
    reconnect: options.reconnect ?? {},
    heartbeat: options.heartbeat ?? {},
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    refreshBeforeExpiryMs: options.refreshBeforeExpiryMs ?? DEFAULT_REFRESH_BEFORE_EXPIRY_MS,
    events: {
      onOpen(welcome) {
        limits = welcome.limits;
        draining = false;
        sessionOffered = welcome.session !== undefined;
        if (welcome.resumed !== true) failUnresumed();
        pump();
      },
      onReply: dispatch,
      onGoAway() {
        draining = true;
        leaveWhenIdle();
      },
      onDisconnect(error, final) {
        if (final) stopped = error;
        clearTimeout(drainTimer);
        drainTimer = undefined;
        for (const request of registry.all()) {
          const { sent } = request;
          if (final || (sent && !resendable(request, error))) {
            registry.delete(request.id);
            request.sink.fail(error);
            continue;
          }
          // It may have run: a mutation is resent as a retry, which the server runs at most once.
          if (sent && request.kind === 'call') request.interrupted = true;
          registry.markUnsent(request);
        }
      },
      onStatus(status) {
        for (const listener of statusListeners) listener(status);
        if (status.state === state) return;
        state = status.state;
        for (const listener of stateListeners) listener(state, status);
      },
    },
  });

  /** Whether a request on the wire of a dropped connection may be sent again on the next one. */
  function resendable(request: PendingRequest, error: RpcError): boolean {
    if (request.kind === 'subscription') return true;
    if (error.code !== RpcErrorCode.ConnectionLost) return false;
    return request.onLost === 'resend' || (request.onLost === 'once' && sessionOffered);
  }

  /**
   * The session was not resumed: the server cannot tell whether the interrupted
   * mutations ran, on any earlier connection (including those still waiting to be resent).
   */
  function failUnresumed(): void {
    for (const request of registry.all()) {
      if (!request.interrupted || request.onLost !== 'once') continue;
      registry.delete(request.id);
      request.sink.fail(outcomeUnknown());
    }
  }

  /**
   * Sends what waits, within the server's limits, while the connection is open
   * and not going away, and while the socket is under `sendHighWaterMarkBytes`.
   */
  function pump(): void {
    if (registry.unsent === 0 || !isOpen()) return;
    for (const kind of KINDS) {
      for (const request of registry.waiting(kind)) {
        const current = roomFor(kind);
        if (current === undefined) break;
        transmit(request, current);
      }
    }
  }

  /** Whether requests may go on the wire: the connection is open, not going away, and its socket not waiting to drain. */
  function isOpen(): boolean {
    return state === 'open' && !draining && limits !== undefined && drainTimer === undefined;
  }

  /** The server's limits when they leave room for one more request of `kind` on the wire and the socket is not backed up. */
  function roomFor(kind: PendingRequest['kind']): Limits | undefined {
    if (limits === undefined) return undefined;
    const room = kind === 'call' ? registry.sentCalls < limits.maxInFlightCalls : registry.sentSubscriptions < limits.maxSubscriptions;
    return room && !isBackedUp() ? limits : undefined;
  }

  /**
   * Whether the socket holds too much that the server has not read yet: then
   * requests wait here, and a timer looks again, since neither the browser's
   * WebSocket nor `ws` tells when the buffer drains.
   */
  function isBackedUp(): boolean {
    if (connection.pendingBytes() < sendHighWaterMarkBytes) return false;
    drainTimer ??= setTimeout(() => {
      drainTimer = undefined;
      pump();
    }, DRAIN_CHECK_MS);
    return true;
  }

  /** Sends one request; one that cannot be encoded or is too large fails alone. */
  function transmit(request: PendingRequest, current: Limits): void {
    let encoded: string;
    try {
      encoded = encodeMessage(request.toMessage(), codec);
    } catch (error) {
      registry.delete(request.id);
      request.sink.fail(new RpcError(RpcErrorCode.BadRequest, 'the input could not be encoded', { cause: error }));
      return;
    }
    if (encoded.length > current.maxPayloadBytes / 3 && utf8ByteLength(encoded) > current.maxPayloadBytes) {
      registry.delete(request.id);
      request.sink.fail(
        new RpcError(RpcErrorCode.PayloadTooLarge, `the request exceeds the server's limit of ${String(current.maxPayloadBytes)} bytes`),
      );
      return;
    }
    registry.markSent(request);
    connection.sendEncoded(encoded);
  }

  /**
   * Ends a request on our side. `cancel` tells the server, if it knows about the request. A timeout
   * does not: the server runs the same deadline and reports `TIMEOUT` to the handler itself, where a
   * `cancel` crossing its timer would report `CANCELLED`.
   */
  function abandon(id: string, cancel: boolean): void {
    const wasSent = registry.get(id)?.sent === true;
    if (registry.delete(id) === undefined) return;
    if (cancel && wasSent && state === 'open') connection.sendEncoded(encodeMessage({ type: MessageType.Cancel, id }, codec));
    pump();
  }

  function dispatch(message: ServerMessage): void {
    if (!('id' in message)) return;
    // Replies to ids we no longer track (cancelled, timed out) are ignored.
    const request = registry.get(message.id);
    if (request === undefined) return;
    if (isNotStarted(message)) {
      // The server is draining and never ran it: send it again on the next connection.
      registry.markUnsent(request);
      if (draining) leaveWhenIdle();
      return;
    }
    if (!request.sink.reply(message)) return;
    registry.remove(request);
    if (draining) leaveWhenIdle();
    else pump();
  }

  /** After `goaway`, once no call is in flight, closes the socket: the server may then shut down. */
  function leaveWhenIdle(): void {
    if (registry.sentCalls === 0) connection.leave();
  }

  /** Registers a request, wiring its deadline and signal; sends it now if possible. Returns it, or `undefined` if it failed at once. */
  function start(
    kind: 'call' | 'subscription',
    path: string,
    input: unknown,
    onLost: LostPolicy,
    requestOptions: RequestOptions,
    sink: RequestSink,
    cursor?: Cursor,
  ): PendingRequest | undefined {
    const { signal, timeoutMs, meta } = requestOptions;
    if (signal?.aborted === true) {
      sink.abort(signal.reason);
      return undefined;
    }
    if (stopped !== undefined) {
      sink.fail(stopped);
      return undefined;
    }
    if (timeoutMs !== undefined && !(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
      sink.fail(new RpcError(RpcErrorCode.BadRequest, `timeoutMs must be in (0, ${String(MAX_TIMEOUT_MS)}], got ${String(timeoutMs)}`));
      return undefined;
    }
    if (state !== 'open' && registry.size >= maxQueued) {
      sink.fail(new RpcError(RpcErrorCode.Unavailable, `not connected, and ${String(maxQueued)} requests already wait`));
      return undefined;
    }
    nextId += 1;
    const id = nextId.toString(36);
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const request = new PendingRequest(id, kind, path, input, onLost, meta, deadline, sink, cursor);
    if (deadline !== undefined || signal !== undefined) {
      request.watch(
        signal,
        () => {
          abandon(id, true);
          sink.abort(signal?.reason);
        },
        () => {
          abandon(id, false);
          sink.fail(timedOut(timeoutMs ?? 0));
        },
      );
    }
    // When nothing waits before it and there is room, it skips the waiting line.
    const current = registry.unsent === 0 && isOpen() ? roomFor(kind) : undefined;
    registry.add(request, current !== undefined);
    if (current === undefined) pump();
    else transmit(request, current);
    return request;
  }

  function call(path: string, onLost: LostPolicy, input: unknown, callOptions: CallOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      start('call', path, input, onLost, callOptions, new CallSink(resolve, reject));
    });
  }

  /** Starts one subscription on the wire, resuming after the last event it delivered; returns its stop function. */
  function openStream(
    path: string,
    input: unknown,
    requestOptions: RequestOptions & { lastEventId?: string | undefined },
    sink: SubscriptionSink<unknown>,
  ): () => void {
    const cursor: Cursor = { lastEventId: requestOptions.lastEventId };
    const request = start(
      'subscription',
      path,
      input,
      'resend',
      requestOptions,
      new StreamSink(cursor, sink),
      cursor,
    );
    return request === undefined
      ? () => undefined
      : () => {
          abandon(request.id, true);
        };
  }

  /** The key under which identical subscriptions share one on the wire, or `undefined` if this one is not shared. */
  function shareKey(path: string, input: unknown, options: SubscribeOptions<unknown, never>): string | undefined {
    if (options.shared === false || options.timeoutMs !== undefined || options.lastEventId !== undefined) return undefined;
    const encoded = wireKey(codec, input);
    // An input the codec cannot encode is not shared: the request fails on its own when it is sent.
    return encoded === undefined ? undefined : `${path}\u0000${encoded}\u0000${JSON.stringify(options.meta ?? {})}`;
  }

  function subscribe(
    path: string,
    policy: SubscriptionPolicy,
    input: unknown,
    subscribeOptions: SubscribeOptions<unknown, never> = {},
  ) {
    const key = shareKey(path, input, subscribeOptions);
    if (key === undefined) return createSubscription(subscribeOptions, (sink) => openStream(path, input, subscribeOptions, sink), policy);
    const { signal, meta } = subscribeOptions;
    return createSubscription(subscribeOptions, (sink) => {
      if (signal?.aborted === true) {
        sink.abort();
        return () => undefined;
      }
      const leave = shared.join(key, sink, (fanOut) => openStream(path, input, { meta }, fanOut));
      const onAbort = (): void => {
        sink.abort();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      return () => {
        signal?.removeEventListener('abort', onAbort);
        leave();
      };
    }, policy);
  }

  const proxy = mapContract(contract, (path, procedure) => {
    const onLost = lostPolicy(procedure);
    switch (procedure['~rpc'].kind) {
      case 'query':
        return { query: (input: unknown, callOptions?: CallOptions) => call(path, onLost, input, callOptions) };
      case 'mutation':
        return { mutate: (input: unknown, callOptions?: CallOptions) => call(path, onLost, input, callOptions) };
      case 'subscription':
        return {
          subscribe: (input: unknown, subscribeOptions?: SubscribeOptions<unknown, never>) =>
            subscribe(path, procedure['~rpc'], input, subscribeOptions),
        };
    }
  });

  const controls = {
    get $state() {
      return state;
    },
    get $status() {
      return connection.status();
    },
    $onStateChange(listener: (next: ClientState, status: ConnectionStatus) => void) {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    $onStatus(listener: (status: ConnectionStatus) => void) {
      statusListeners.add(listener);
      return () => {
        statusListeners.delete(listener);
      };
    },
    $reauthenticate: () => connection.reauthenticate(),
    $close: () => connection.close(),
  };
  return Object.freeze(Object.defineProperties({ ...proxy }, Object.getOwnPropertyDescriptors(controls))) as Client<TContract>;
}


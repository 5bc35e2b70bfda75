import { mapContract, RpcError, type Contract } from '@wirecall/schema';
import {
  CloseCode,
  decodeServerFrame,
  formatSubprotocol,
  MAX_TIMEOUT_MS,
  MessageType,
  RpcErrorCode,
  superjsonCodec,
  type Codec,
  type ServerMessage,
} from '@wirecall/schema/protocol';

import type { CallOptions, Client, ClientState } from './client-types.js';
import { cancelled, connectionLost, timedOut, type ConnectionLostData } from './errors.js';
import { createOutbox } from './outbox.js';
import { RequestRegistry, type PendingRequest, type RequestSink } from './request-registry.js';
import { openSocket, type SocketConnection } from './socket-connection.js';
import { createSubscription, type SubscribeOptions } from './subscription.js';
import { resolveWebSocket, type WebSocketConstructor } from './websocket.js';

/** Options of `createClient`. */
export interface ClientOptions {
  /** WebSocket URL of the server, e.g. `ws://localhost:8080/`. */
  url: string;
  /** WebSocket implementation; defaults to the global one. On Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Payload codec; must be one the server accepts. Defaults to superjson. */
  codec?: Codec;
}

interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
}

/**
 * Connects to a Wirecall server and returns a typed proxy of `contract`:
 * `client.greet.query(input)`, `client.chat.send.mutate(input)`,
 * `client.chat.messages.subscribe(input, options)`. Every call and stream is
 * multiplexed over one WebSocket; calls made before it opens are queued.
 */
export function createClient<TContract extends Contract>(contract: TContract, options: ClientOptions): Client<TContract> {
  const codec = options.codec ?? superjsonCodec;
  const registry = new RequestRegistry();
  const listeners = new Set<(state: ClientState) => void>();
  let state: ClientState = 'connecting';
  let lost: ConnectionLostData | undefined;
  let goAwayReason: string | undefined;
  let nextId = 0;

  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  function setState(next: ClientState): void {
    if (state === next) return;
    state = next;
    if (next === 'closed') resolveClosed();
    for (const listener of listeners) listener(next);
  }

  const socket: SocketConnection = openSocket(
    resolveWebSocket(options.WebSocket),
    options.url,
    formatSubprotocol(codec.name),
    {
      onOpen() {
        setState('open');
        for (const request of registry.unsent()) transmit(request);
      },
      onText: receive,
      onClose(event) {
        lost = { closeCode: event.code, reason: event.reason === '' ? (goAwayReason ?? '') : event.reason };
        setState('closed');
        const error = connectionLost(lost);
        for (const request of registry.drain()) request.sink.fail(error);
      },
    },
  );
  const outbox = createOutbox(codec, socket.send);

  /** Sends a request's message; an input the codec cannot encode fails that request alone. */
  function transmit(request: PendingRequest): void {
    try {
      outbox.push(request.toMessage());
      request.sent = true;
    } catch (error) {
      registry.delete(request.id);
      request.sink.fail(new RpcError(RpcErrorCode.BadRequest, 'the input could not be encoded', { cause: error }));
    }
  }

  /** Ends a request on our side and tells the server, if it knows about it. */
  function abandon(id: string): void {
    const request = registry.delete(id);
    if (request?.sent === true && state === 'open') outbox.push({ type: MessageType.Cancel, id });
  }

  function dispatch(message: ServerMessage): void {
    switch (message.type) {
      case MessageType.Result:
      case MessageType.Error:
      case MessageType.Event:
      case MessageType.Complete: {
        // Replies to ids we no longer track (cancelled, timed out) are ignored.
        const request = registry.get(message.id);
        if (request !== undefined && request.sink.reply(message)) registry.delete(message.id);
        return;
      }
      case MessageType.GoAway:
        goAwayReason = message.reason ?? 'server going away';
        return;
      case MessageType.Pong:
        return;
    }
  }

  function receive(data: string): void {
    let decoded;
    try {
      decoded = decodeServerFrame(data, codec);
    } catch (error) {
      socket.close(CloseCode.BadMessage, error instanceof Error ? error.message : 'bad message');
      return;
    }
    for (const item of decoded) {
      if (item.ok) dispatch(item.message);
      else if (item.id !== undefined && registry.get(item.id) !== undefined) {
        registry.delete(item.id)?.sink.fail(new RpcError(RpcErrorCode.InternalServerError, item.error.message));
      }
    }
  }

  /** Registers a request, wiring its deadline and signal; sends it now if the socket is open. */
  function start(
    type: typeof MessageType.Call | typeof MessageType.Subscribe,
    path: string,
    input: unknown,
    requestOptions: RequestOptions & { readonly lastEventId?: string | undefined },
    sink: RequestSink,
  ): () => void {
    const { signal, timeoutMs, lastEventId } = requestOptions;
    if (signal?.aborted === true) {
      sink.abort(signal.reason);
      return () => undefined;
    }
    if (state === 'closed') {
      sink.fail(connectionLost(lost ?? { closeCode: CloseCode.Normal, reason: 'client closed' }));
      return () => undefined;
    }
    if (timeoutMs !== undefined && !(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
      sink.fail(new RpcError(RpcErrorCode.BadRequest, `timeoutMs must be in (0, ${String(MAX_TIMEOUT_MS)}], got ${String(timeoutMs)}`));
      return () => undefined;
    }
    nextId += 1;
    const id = nextId.toString(36);
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const onAbort = (): void => {
      abandon(id);
      sink.abort(signal?.reason);
    };
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            abandon(id);
            sink.fail(timedOut(timeoutMs));
          }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    const request: PendingRequest = {
      id,
      sink,
      sent: false,
      toMessage: () => {
        const remainingMs = deadline === undefined ? undefined : Math.max(1, Math.ceil(deadline - Date.now()));
        const base = { id, path, input, ...(remainingMs === undefined ? {} : { timeoutMs: remainingMs }) };
        if (type === MessageType.Call) return { type, ...base };
        return { type, ...base, ...(lastEventId === undefined ? {} : { lastEventId }) };
      },
      dispose: () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      },
    };
    registry.add(request);
    if (state === 'open') transmit(request);
    return () => {
      abandon(id);
    };
  }

  function call(path: string, input: unknown, callOptions: CallOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      start(MessageType.Call, path, input, callOptions, {
        reply(message) {
          if (message.type === MessageType.Result) resolve(message.output);
          else if (message.type === MessageType.Error) reject(RpcError.fromWire(message.error));
          else reject(new RpcError(RpcErrorCode.InternalServerError, `unexpected "${message.type}" for a call`));
          return true;
        },
        fail: reject,
        abort: (reason) => {
          reject(cancelled(reason));
        },
      });
    });
  }

  function subscribe(path: string, input: unknown, subscribeOptions: SubscribeOptions<unknown, never> = {}) {
    return createSubscription(subscribeOptions, (sink) =>
      start(MessageType.Subscribe, path, input, subscribeOptions, {
        reply(message) {
          switch (message.type) {
            case MessageType.Event:
              sink.next(message.data);
              return false;
            case MessageType.Complete:
              sink.complete();
              return true;
            case MessageType.Error:
              sink.error(RpcError.fromWire(message.error));
              return true;
            case MessageType.Result:
              sink.error(new RpcError(RpcErrorCode.InternalServerError, 'unexpected "result" for a subscription'));
              return true;
          }
        },
        fail: sink.error,
        abort: sink.abort,
      }),
    );
  }

  const proxy = mapContract(contract, (path, procedure) => {
    switch (procedure['~rpc'].kind) {
      case 'query':
        return { query: (input: unknown, callOptions?: CallOptions) => call(path, input, callOptions) };
      case 'mutation':
        return { mutate: (input: unknown, callOptions?: CallOptions) => call(path, input, callOptions) };
      case 'subscription':
        return {
          subscribe: (input: unknown, subscribeOptions?: SubscribeOptions<unknown, never>) =>
            subscribe(path, input, subscribeOptions),
        };
    }
  });

  const controls = {
    get $state() {
      return state;
    },
    $onStateChange(listener: (next: ClientState) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    $close() {
      if (state !== 'closed') socket.close(CloseCode.Normal, 'client closed');
      return closed;
    },
  };
  return Object.freeze(Object.defineProperties({ ...proxy }, Object.getOwnPropertyDescriptors(controls))) as Client<TContract>;
}

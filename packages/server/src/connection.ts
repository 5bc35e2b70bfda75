import { isRpcError, RpcError } from '@wirecall/schema';
import {
  CloseCode,
  decodeClientFrame,
  limitCloseReason,
  MAX_BATCH_SIZE,
  MAX_TIMEOUT_MS,
  MessageType,
  RpcErrorCode,
  type CallMessage,
  type ClientMessage,
  type Codec,
  type DecodedMessage,
  type Limits,
  type SubscribeMessage,
} from '@wirecall/schema/protocol';

import type { CallWindow } from './delivery/call-window.js';
import type { Session, SessionStore } from './delivery/session-store.js';
import { createFrameWriter } from './frame-writer.js';
import type { Logger } from './logger.js';
import type { MetricsRecorder } from './metrics/server-metrics.js';
import { normalizeError } from './normalize-error.js';
import { createOperationRunner, errorMessage } from './operation-runner.js';
import { Operation, type CallMeta } from './operation.js';
import type { ProcedureEntry } from './procedure-table.js';
import type { RateDecision } from './rate-limiter.js';
import type { TransportSocket } from './transport.js';

/** The outcome of authenticating connection params. */
export interface Authenticated {
  readonly ctx: unknown;
  /** When the credentials expire (ms since the epoch); the connection closes with 4401 then unless re-authenticated. */
  readonly expiresAt: number | undefined;
}

/** What a connection needs from the server that owns it. */
export interface ConnectionDeps {
  readonly id: string;
  readonly socket: TransportSocket;
  readonly codec: Codec;
  readonly procedures: ReadonlyMap<string, ProcedureEntry>;
  readonly logger: Logger;
  readonly sendHighWaterMarkBytes: number;
  /** How long a client may stay over the high-water mark before it is disconnected. */
  readonly slowConsumerTimeoutMs: number;
  readonly limits: Limits;
  readonly heartbeatIntervalMs: number;
  readonly helloTimeoutMs: number;
  /** Builds the connection context from the params of `hello` or `auth`; throws `RpcError` to refuse. */
  readonly authenticate: (params: unknown) => Promise<Authenticated>;
  /** The message rate limiter of this connection, or `undefined` when rate limiting is off. */
  readonly rateLimiter: (() => RateDecision) | undefined;
  /** Re-checks a live subscription against a new context; throws (e.g. FORBIDDEN) when it is no longer allowed. */
  readonly reauthorize: (entry: ProcedureEntry, ctx: unknown, input: unknown, meta: CallMeta) => Promise<void>;
  /** Client sessions that make retried mutations run once, or `undefined` when the server keeps none. */
  readonly sessions: SessionStore | undefined;
  /** Where refusals, rate-limit rejections and backpressure pauses are counted; `undefined` when metrics are off. */
  readonly metrics?: MetricsRecorder | undefined;
}

/** How a server shutdown drains a connection. */
export interface DrainOptions {
  readonly reason: string;
  /** Clients reconnect at a random moment within this window. */
  readonly reconnectWithinMs: number;
  /** How long in-flight calls may run before they are answered with UNAVAILABLE. */
  readonly drainTimeoutMs: number;
}

/**
 * Lifecycle of a connection, each transition written once below:
 * `awaiting-hello` → (`hello`) → `authenticating` (later messages held) → `ready`
 * → `draining` (after `goaway`: no new requests) → `closing` (close frame sent) → `closed`.
 */
export type ConnectionState = 'awaiting-hello' | 'authenticating' | 'ready' | 'draining' | 'closing' | 'closed';

/** The server side of one WebSocket: handshake, dispatch, and every live operation. */
export interface Connection {
  readonly id: string;
  readonly state: ConnectionState;
  /** Handles one text frame. */
  readonly receive: (data: string) => void;
  /** Handles one binary frame: v1 does not speak binary, so the connection is closed. */
  readonly receiveBinary: () => void;
  /** Closes the socket with `code` and aborts everything (e.g. on a protocol violation). */
  readonly closeWith: (code: number, reason: string) => void;
  /**
   * Sends `goaway`, ends subscriptions, answers new requests with UNAVAILABLE, and
   * waits for the client to close once its calls are answered; at the drain
   * timeout, answers what is left with UNAVAILABLE and closes with 1001.
   */
  readonly drain: (options: DrainOptions) => Promise<void>;
  /** Called by the adapter once the socket is closed, whoever closed it. */
  readonly handleClose: () => void;
  /** Resolves once every handler of this connection has returned and every generator has finished. */
  readonly settled: () => Promise<void>;
}

/** Quotes a client-supplied path for an error message, cut so that errors stay small. */
function quotePath(path: string): string {
  return JSON.stringify(path.length > 64 ? `${path.slice(0, 64)}...` : path);
}

/** Close code for a refused authentication: 4401 / 4403 for those codes, 1011 (logged) for anything else. */
function refusalCloseCode(error: unknown): number | undefined {
  if (!isRpcError(error)) return undefined;
  if (error.code === RpcErrorCode.Unauthorized) return CloseCode.Unauthorized;
  if (error.code === RpcErrorCode.Forbidden) return CloseCode.Forbidden;
  return undefined;
}

/** Messages held while the context is built (sent behind `hello` without waiting for `welcome`). */
const MAX_BACKLOG = MAX_BATCH_SIZE;

/** Data of an UNAVAILABLE error for a request that never ran: the client may send it again elsewhere. */
const NOT_STARTED = { retry: 'safe' } as const;

/** Creates the connection for one accepted socket, in state `awaiting-hello`. */
export function createConnection(deps: ConnectionDeps): Connection {
  const { socket, procedures, logger, limits } = deps;
  const writer = createFrameWriter(socket, deps.codec, deps.sendHighWaterMarkBytes, deps.metrics?.backpressurePaused);
  const operations = new Map<string, Operation>();
  const tasks = new Set<Promise<void>>();
  let state: ConnectionState = 'awaiting-hello';
  let markSocketClosed: () => void = () => undefined;
  const socketClosed = new Promise<void>((resolve) => {
    markSocketClosed = resolve;
  });
  let ctx: unknown;
  /** The client's session, from the first `welcome` until the socket closes. */
  let session: Session | undefined;
  let resumed = false;
  /** Messages that arrived in the same frame as `hello`, handled once the context exists. */
  let backlog: DecodedMessage<ClientMessage>[] = [];
  let callCount = 0;
  let subscriptionCount = 0;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  let helloTimer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
    closeWith(CloseCode.HandshakeTimeout, `no hello within ${String(deps.helloTimeoutMs)} ms`);
  }, deps.helloTimeoutMs);

  const runner = createOperationRunner({
    connectionId: deps.id,
    writer,
    logger,
    writable: waitWritable,
    context: () => ctx,
    release: (id, op) => {
      if (operations.get(id) === op) operations.delete(id);
    },
  });

  /**
   * Waits until the client reads again; a client over the high-water mark for
   * longer than `slowConsumerTimeoutMs` is disconnected with 4499.
   */
  async function waitWritable(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const writable = writer.writable();
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        closeWith(CloseCode.SlowConsumer, `the client read nothing for ${String(deps.slowConsumerTimeoutMs)} ms`);
        resolve();
      }, deps.slowConsumerTimeoutMs);
    });
    await Promise.race([writable, timeout]);
    clearTimeout(timer);
  }

  /** An answered operation no longer counts against the limits, even if its handler still winds down. */
  function freeSlot(op: Operation): void {
    if (op.kind === 'call') callCount -= 1;
    else subscriptionCount -= 1;
  }

  function track(task: Promise<void> | undefined): void {
    if (task === undefined) return;
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  }

  function reject(id: string, code: RpcErrorCode, message: string, data?: unknown): void {
    deps.metrics?.refused(code);
    writer.write(errorMessage(id, new RpcError(code, message, { data })));
  }

  function scheduleExpiry(expiresAt: number | undefined): void {
    clearTimeout(expiryTimer);
    expiryTimer = undefined;
    if (expiresAt === undefined) return;
    const remainingMs = expiresAt - Date.now();
    // Timers overflow past ~24.8 days: wake up at the limit and look again.
    expiryTimer = setTimeout(
      () => {
        if (Date.now() >= expiresAt) closeWith(CloseCode.Unauthorized, 'credentials expired');
        else scheduleExpiry(expiresAt);
      },
      Math.min(Math.max(0, remainingMs), MAX_TIMEOUT_MS),
    );
  }

  function welcome(expiresAt: number | undefined): void {
    writer.write({
      type: MessageType.Welcome,
      connectionId: deps.id,
      heartbeatIntervalMs: deps.heartbeatIntervalMs,
      limits,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(session === undefined ? {} : { session: session.token, resumed }),
    });
  }

  function refuse(error: unknown): void {
    const code = refusalCloseCode(error);
    if (code !== undefined) {
      closeWith(code, (error as RpcError).message);
      return;
    }
    logger.error('context function failed', { connectionId: deps.id, error });
    closeWith(CloseCode.InternalError, 'Internal server error');
  }

  /** `hello` arrived: build the context (the handshake timer still runs: a context function that hangs ends in 4408). */
  async function hello(params: unknown, sessionToken: string | undefined): Promise<void> {
    state = 'authenticating';
    try {
      const authenticated = await deps.authenticate(params);
      // The socket may have closed meanwhile.
      if (currentState() !== 'authenticating') return;
      clearTimeout(helloTimer);
      helloTimer = undefined;
      ctx = authenticated.ctx;
      state = 'ready';
      const opened = deps.sessions?.open(sessionToken);
      session = opened?.session;
      resumed = opened?.resumed ?? false;
      scheduleExpiry(authenticated.expiresAt);
      welcome(authenticated.expiresAt);
      const queued = backlog;
      backlog = [];
      for (const item of queued) {
        if (!isReading()) return;
        dispatch(item);
      }
    } catch (error) {
      refuse(error);
    }
  }

  /** Re-authentication: new context for new requests; live subscriptions that are no longer allowed end. */
  async function reauthenticate(params: unknown): Promise<void> {
    let authenticated: Authenticated;
    try {
      authenticated = await deps.authenticate(params);
    } catch (error) {
      refuse(error);
      return;
    }
    if (state !== 'ready' && state !== 'draining') return;
    ctx = authenticated.ctx;
    scheduleExpiry(authenticated.expiresAt);
    const checks = [...operations].map(async ([id, op]) => {
      if (op.request === undefined || op.answered) return;
      try {
        await deps.reauthorize(op.request.entry, authenticated.ctx, op.request.input, op.meta);
      } catch (error) {
        // Same rules as any failure: declared and built-in codes pass, anything else is masked and logged.
        const refused = normalizeError(error, op.request.entry, logger);
        runner.finish(op, errorMessage(id, refused), op.request.entry.path);
        op.abort(refused);
      }
    });
    await Promise.all(checks);
    welcome(authenticated.expiresAt);
  }

  function start(message: CallMessage | SubscribeMessage): void {
    const { id, path } = message;
    if (state === 'draining') {
      reject(id, RpcErrorCode.Unavailable, 'the server is shutting down', NOT_STARTED);
      return;
    }
    const entry = procedures.get(path);
    if (entry === undefined) {
      reject(id, RpcErrorCode.NotFound, `no procedure at ${quotePath(path)}`);
      return;
    }
    const isSubscription = entry.procedure['~rpc'].kind === 'subscription';
    if (isSubscription !== (message.type === MessageType.Subscribe)) {
      const kind = entry.procedure['~rpc'].kind;
      const expected = isSubscription ? MessageType.Subscribe : MessageType.Call;
      reject(id, RpcErrorCode.MethodNotSupported, `${quotePath(path)} is a ${kind}: send "${expected}", not "${message.type}"`);
      return;
    }
    if (operations.has(id)) {
      reject(id, RpcErrorCode.Conflict, `id "${id}" is already used by a live request`);
      return;
    }
    const calls = message.type === MessageType.Call ? sessionWindow(entry) : undefined;
    const known = calls?.get(id);
    if (known?.outcome !== undefined) {
      // A retry of a mutation that already ran: its stored outcome, not a second run.
      writer.write(known.outcome);
      return;
    }
    if (calls !== undefined && known === undefined && message.type === MessageType.Call && message.retry === true && calls.mayHaveRun(id)) {
      reject(id, RpcErrorCode.OutcomeUnknown, 'this mutation may have run, but its outcome is no longer kept');
      return;
    }
    if (isSubscription ? subscriptionCount >= limits.maxSubscriptions : callCount >= limits.maxInFlightCalls) {
      const limit = isSubscription ? `${String(limits.maxSubscriptions)} live subscriptions` : `${String(limits.maxInFlightCalls)} calls in flight`;
      reject(id, RpcErrorCode.TooManyRequests, `at most ${limit} per connection`);
      return;
    }
    const op = new Operation({
      kind: isSubscription ? 'subscription' : 'call',
      request: isSubscription ? { entry, input: message.input } : undefined,
      meta: message.meta,
      onAnswered: freeSlot,
      outlivesConnection: calls !== undefined,
      observer: entry.observer,
    });
    operations.set(id, op);
    if (isSubscription) subscriptionCount += 1;
    else callCount += 1;
    if (message.timeoutMs !== undefined) {
      op.setDeadline(message.timeoutMs, () => {
        const timeout = new RpcError(RpcErrorCode.Timeout, `deadline of ${String(message.timeoutMs)} ms exceeded`);
        runner.finish(op, errorMessage(id, timeout), path);
        op.abort(timeout);
      });
    }
    if (message.type === MessageType.Subscribe) {
      track(runner.runSubscription(op, entry, message));
    } else if (known !== undefined) {
      // A retry while the first run is still going: answer with its outcome.
      known.waiters.push((outcome) => {
        runner.finish(op, outcome, path);
        if (operations.get(id) === op) operations.delete(id);
      });
    } else if (calls === undefined) {
      track(runner.runCall(op, entry, message));
    } else {
      const record = calls.begin(id);
      track(runner.runCall(op, entry, message, (outcome) => {
        calls.finish(record, outcome);
      }));
    }
  }

  /** The session's record of mutations, for a mutation that is retried (not failed) when the connection drops. */
  function sessionWindow(entry: ProcedureEntry): CallWindow | undefined {
    const { kind, onConnectionLost } = entry.procedure['~rpc'];
    return kind === 'mutation' && onConnectionLost === 'retry' ? session?.calls : undefined;
  }

  /** Applies the rate limit; returns whether the message may be handled. */
  function withinRate(message: ClientMessage): boolean {
    const decision = deps.rateLimiter?.() ?? 'accept';
    if (decision === 'accept' || message.type === MessageType.Cancel) return true;
    deps.metrics?.rateLimited();
    if (decision === 'abuse') {
      closeWith(CloseCode.RateLimited, 'rate limit exceeded');
    } else if (message.type === MessageType.Call || message.type === MessageType.Subscribe) {
      reject(message.id, RpcErrorCode.TooManyRequests, 'rate limit exceeded: slow down');
    }
    return false;
  }

  function handle(message: ClientMessage): void {
    if (!withinRate(message)) return;
    if (state === 'awaiting-hello') {
      // Not tracked by `settled()`: a context function that never settles must not hold up shutdown.
      if (message.type === MessageType.Hello) void hello(message.params, message.session);
      else closeWith(CloseCode.BadMessage, `the first message must be "hello", got "${message.type}"`);
      return;
    }
    switch (message.type) {
      case MessageType.Hello:
        closeWith(CloseCode.BadMessage, '"hello" may be sent only once; send "auth" to re-authenticate');
        return;
      case MessageType.Auth:
        void reauthenticate(message.params);
        return;
      case MessageType.Call:
      case MessageType.Subscribe:
        start(message);
        return;
      case MessageType.Cancel: {
        const op = operations.get(message.id);
        if (op === undefined || !op.answer()) return;
        op.abort(new RpcError(RpcErrorCode.Cancelled, 'cancelled by the client'));
        return;
      }
      case MessageType.Ping:
        writer.write({ type: MessageType.Pong });
        return;
    }
  }

  /** The state now: a function, so that checks after an `await` are not narrowed by checks before it. */
  function currentState(): ConnectionState {
    return state;
  }

  /** Whether messages are read: before `closing`. A method, so checks after a dispatch are not narrowed away. */
  function isReading(): boolean {
    return state !== 'closing' && state !== 'closed';
  }

  function dispatch(item: DecodedMessage<ClientMessage>): void {
    if (item.ok) handle(item.message);
    else if (item.id === undefined || state === 'awaiting-hello') closeWith(CloseCode.BadMessage, item.error.message);
    else reject(item.id, RpcErrorCode.BadRequest, item.error.message);
  }

  function abortAll(reason: RpcError): void {
    for (const op of operations.values()) {
      op.answer(reason.code);
      // A mutation recorded in the session runs to the end: a retry on the next connection gets its outcome.
      if (!op.outlivesConnection) op.abort(reason);
    }
  }

  function stopTimers(): void {
    clearTimeout(helloTimer);
    clearTimeout(expiryTimer);
    helloTimer = undefined;
    expiryTimer = undefined;
  }

  function closeWith(code: number, reason: string): void {
    if (state === 'closing' || state === 'closed') return;
    state = 'closing';
    stopTimers();
    abortAll(new RpcError(RpcErrorCode.ConnectionLost, reason));
    writer.end();
    socket.close(code, limitCloseReason(reason));
  }

  async function drain(options: DrainOptions): Promise<void> {
    if (state === 'closing' || state === 'closed') return;
    state = 'draining';
    writer.write({ type: MessageType.GoAway, reason: options.reason, reconnectWithinMs: options.reconnectWithinMs });
    const ending = new RpcError(RpcErrorCode.Unavailable, options.reason, { data: NOT_STARTED });
    for (const [id, op] of operations) {
      if (op.kind !== 'subscription') continue;
      // The client resubscribes on its next connection.
      runner.finish(op, errorMessage(id, ending), op.request?.entry.path ?? '');
      op.abort(ending);
    }
    // The client answers requests it sent before seeing goaway until its calls are done, then closes
    // the socket itself: TCP order guarantees nothing it sent is lost in transit. Until the deadline.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.drainTimeoutMs);
    });
    await Promise.race([socketClosed, deadline]);
    clearTimeout(timer);
    const unfinished = new RpcError(RpcErrorCode.Unavailable, 'the server shut down before the call finished');
    // A recorded mutation keeps running, and its session ends with the server: nobody can tell the client how it ends.
    const unknown = new RpcError(RpcErrorCode.OutcomeUnknown, 'the server shut down while the mutation ran');
    for (const [id, op] of operations) runner.finish(op, errorMessage(id, op.outlivesConnection ? unknown : unfinished), '');
    closeWith(CloseCode.GoingAway, options.reason);
  }

  async function settled(): Promise<void> {
    while (tasks.size > 0) await Promise.allSettled(tasks);
  }

  return {
    id: deps.id,
    get state() {
      return state;
    },
    receive(data) {
      if (!isReading()) return;
      let decoded;
      try {
        decoded = decodeClientFrame(data, deps.codec);
      } catch (error) {
        closeWith(CloseCode.BadMessage, error instanceof Error ? error.message : 'bad message');
        return;
      }
      for (const item of decoded) {
        // A message of this batch may have closed the connection, or started authentication.
        if (!isReading()) return;
        if (state !== 'authenticating') dispatch(item);
        else if (backlog.length < MAX_BACKLOG) backlog.push(item);
        else closeWith(CloseCode.BadMessage, `more than ${String(MAX_BACKLOG)} messages before welcome`);
      }
    },
    receiveBinary() {
      closeWith(CloseCode.UnsupportedData, 'binary frames are not supported; send text frames');
    },
    closeWith,
    drain,
    handleClose() {
      markSocketClosed();
      if (state === 'closed') return;
      state = 'closed';
      stopTimers();
      abortAll(new RpcError(RpcErrorCode.ConnectionLost, 'connection closed'));
      writer.end();
      if (session !== undefined) deps.sessions?.release(session);
    },
    settled,
  };
}

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
  type SubscribeMessage,
} from '@wirecall/schema/protocol';

import type { Authenticated, ConnectionConfig, ConnectionInit, DrainOptions } from './connection-config.js';
import type { UpgradeRequest } from './connection-info.js';
import type { CallWindow } from './delivery/call-window.js';
import type { Session } from './delivery/session-store.js';
import { FrameWriter } from './frame-writer.js';
import type { Logger } from './logger.js';
import { normalizeError } from './normalize-error.js';
import { errorMessage, OperationRunner } from './operation-runner.js';
import { Operation, type OperationOwner } from './operation.js';
import { OperationTable } from './operation-table.js';
import type { ProcedureEntry } from './procedure-table.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TransportSocket } from './transport.js';

/**
 * Lifecycle of a connection, each transition written once below:
 * `awaiting-hello` → (`hello`) → `authenticating` (later messages held) → `ready`
 * → `draining` (after `goaway`: no new requests) → `closing` (close frame sent) → `closed`.
 */
export type ConnectionState = 'awaiting-hello' | 'authenticating' | 'ready' | 'draining' | 'closing' | 'closed';

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

/**
 * The server side of one WebSocket: handshake, dispatch, and every live operation.
 *
 * A class rather than a closure factory, against the style guide's default, because thousands
 * of them sit idle at once: its state is a handful of fields, its behaviour lives on the
 * prototype, what every connection of a server shares lives in one `ConnectionConfig`, and
 * maps, sets and promises are only made when something needs them (see docs/performance.md).
 */
export class Connection implements OperationOwner {
  readonly id: string;
  readonly writer: FrameWriter;
  /** When the connection was accepted (`performance.now()`). */
  readonly openedAt: number;
  readonly #config: ConnectionConfig;
  readonly #socket: TransportSocket;
  readonly #codec: Codec;
  readonly #upgrade: UpgradeRequest;
  readonly #rateLimiter: RateLimiter | undefined;
  readonly #runner: OperationRunner;
  #state: ConnectionState = 'awaiting-hello';
  /** Live operations by id. */
  readonly #operations = new OperationTable();
  /** Handlers and generators still running; made by the first asynchronous one. */
  #tasks: Set<Promise<void>> | undefined;
  /** Resolves once the socket closed; made only when a drain waits for it. */
  #socketClosed: Promise<void> | undefined;
  #markSocketClosed: (() => void) | undefined;
  #ctx: unknown;
  /** The client's session, from the first `welcome` until the socket closes. */
  #session: Session | undefined;
  #resumed = false;
  /** Messages that arrived in the same frame as `hello`, handled once the context exists. */
  #backlog: DecodedMessage<ClientMessage>[] | undefined;
  #callCount = 0;
  #subscriptionCount = 0;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;

  /** Creates the connection for one accepted socket, in state `awaiting-hello`. */
  constructor(config: ConnectionConfig, init: ConnectionInit) {
    this.#config = config;
    this.id = init.id;
    this.#socket = init.socket;
    this.#codec = init.codec;
    this.#upgrade = init.upgrade;
    this.#rateLimiter = init.rateLimiter;
    this.openedAt = init.openedAt;
    this.writer = new FrameWriter(init.socket, init.codec, config.sendHighWaterMarkBytes, config.metrics?.backpressurePaused);
    this.#runner = new OperationRunner(this);
    this.#helloTimer = setTimeout(() => {
      this.closeWith(CloseCode.HandshakeTimeout, `no hello within ${String(config.helloTimeoutMs)} ms`);
    }, config.helloTimeoutMs);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The server's logger (for the operation runner). */
  get logger(): Logger {
    return this.#config.logger;
  }

  /** The current connection context (it changes on re-authentication). */
  context(): unknown {
    return this.#ctx;
  }

  /** An operation has fully ended (its handler returned, its generator finished): forget its id. */
  release(id: string, op: Operation): void {
    this.#operations.release(id, op);
  }

  /** An answered operation no longer counts against the limits, even if its handler still winds down. */
  operationAnswered(op: Operation): void {
    if (op.kind === 'call') this.#callCount -= 1;
    else this.#subscriptionCount -= 1;
  }

  /**
   * Waits until the client reads again; a client over the high-water mark for
   * longer than `slowConsumerTimeoutMs` is disconnected with 4499.
   */
  async writable(): Promise<void> {
    if (!this.writer.isOverHighWaterMark()) return;
    const { slowConsumerTimeoutMs } = this.#config;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const writable = this.writer.writable();
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.closeWith(CloseCode.SlowConsumer, `the client read nothing for ${String(slowConsumerTimeoutMs)} ms`);
        resolve();
      }, slowConsumerTimeoutMs);
    });
    await Promise.race([writable, timeout]);
    clearTimeout(timer);
  }

  /** Handles one text frame; the replies written meanwhile form a turn of the writer (see `FrameWriter.beginTurn`). */
  receive(data: string): void {
    if (!this.#isReading()) return;
    const { writer } = this;
    writer.beginTurn();
    try {
      this.#receiveFrame(data);
    } finally {
      writer.endTurn();
    }
  }

  #receiveFrame(data: string): void {
    let decoded;
    try {
      decoded = decodeClientFrame(data, this.#codec);
    } catch (error) {
      this.closeWith(CloseCode.BadMessage, error instanceof Error ? error.message : 'bad message');
      return;
    }
    for (const item of decoded) {
      // A message of this batch may have closed the connection, or started authentication.
      if (!this.#isReading()) return;
      this.#receiveOne(item);
    }
  }

  #receiveOne(item: DecodedMessage<ClientMessage>): void {
    if (this.#state !== 'authenticating') this.#dispatch(item);
    else if ((this.#backlog?.length ?? 0) < MAX_BACKLOG) (this.#backlog ??= []).push(item);
    else this.closeWith(CloseCode.BadMessage, `more than ${String(MAX_BACKLOG)} messages before welcome`);
  }

  /** Handles one binary frame: v1 does not speak binary, so the connection is closed. */
  receiveBinary(): void {
    this.closeWith(CloseCode.UnsupportedData, 'binary frames are not supported; send text frames');
  }

  /** Closes the socket with `code` and aborts everything (e.g. on a protocol violation). */
  closeWith(code: number, reason: string): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#stopTimers();
    this.#abortAll(new RpcError(RpcErrorCode.ConnectionLost, reason));
    this.writer.end();
    this.#socket.close(code, limitCloseReason(reason));
  }

  /**
   * Sends `goaway`, ends subscriptions, answers new requests with UNAVAILABLE, and
   * waits for the client to close once its calls are answered; at the drain
   * timeout, answers what is left with UNAVAILABLE and closes with 1001.
   */
  async drain(options: DrainOptions): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'draining';
    this.#socketClosed ??= new Promise<void>((resolve) => {
      this.#markSocketClosed = resolve;
    });
    this.writer.write({ type: MessageType.GoAway, reason: options.reason, reconnectWithinMs: options.reconnectWithinMs });
    const ending = new RpcError(RpcErrorCode.Unavailable, options.reason, { data: NOT_STARTED });
    for (const [id, op] of this.#operations) {
      if (op.kind !== 'subscription') continue;
      // The client resubscribes on its next connection.
      this.#runner.finish(op, errorMessage(id, ending), op.request?.entry.path ?? '');
      op.abort(ending);
    }
    // The client answers requests it sent before seeing goaway until its calls are done, then closes
    // the socket itself: TCP order guarantees nothing it sent is lost in transit. Until the deadline.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.drainTimeoutMs);
    });
    await Promise.race([this.#socketClosed, deadline]);
    clearTimeout(timer);
    const unfinished = new RpcError(RpcErrorCode.Unavailable, 'the server shut down before the call finished');
    // A recorded mutation keeps running, and its session ends with the server: nobody can tell the client how it ends.
    const unknown = new RpcError(RpcErrorCode.OutcomeUnknown, 'the server shut down while the mutation ran');
    for (const [id, op] of this.#operations) {
      this.#runner.finish(op, errorMessage(id, op.outlivesConnection ? unknown : unfinished), '');
    }
    this.closeWith(CloseCode.GoingAway, options.reason);
  }

  /** Called by the adapter once the socket is closed, whoever closed it, with the code and reason that ended it. */
  handleClose(code: number, reason: string): void {
    this.#markSocketClosed?.();
    if (this.#state === 'closed') return;
    this.#config.closed(this, code, reason);
    this.#state = 'closed';
    this.#stopTimers();
    this.#abortAll(new RpcError(RpcErrorCode.ConnectionLost, 'connection closed'));
    this.writer.end();
    if (this.#session !== undefined) this.#config.sessions?.release(this.#session);
  }

  /** Resolves once every handler of this connection has returned and every generator has finished. */
  async settled(): Promise<void> {
    while (this.#tasks !== undefined && this.#tasks.size > 0) await Promise.allSettled(this.#tasks);
  }

  #track(task: Promise<void> | undefined): void {
    if (task === undefined) return;
    const tasks = (this.#tasks ??= new Set());
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  }

  #reject(id: string, code: RpcErrorCode, message: string, data?: unknown): void {
    this.#config.metrics?.refused(code);
    this.writer.write(errorMessage(id, new RpcError(code, message, { data })));
  }

  #scheduleExpiry(expiresAt: number | undefined): void {
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    if (expiresAt === undefined) return;
    const remainingMs = expiresAt - Date.now();
    // Timers overflow past ~24.8 days: wake up at the limit and look again.
    this.#expiryTimer = setTimeout(
      () => {
        if (Date.now() >= expiresAt) this.closeWith(CloseCode.Unauthorized, 'credentials expired');
        else this.#scheduleExpiry(expiresAt);
      },
      Math.min(Math.max(0, remainingMs), MAX_TIMEOUT_MS),
    );
  }

  #welcome(expiresAt: number | undefined): void {
    const session = this.#session;
    this.writer.write({
      type: MessageType.Welcome,
      connectionId: this.id,
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      limits: this.#config.limits,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(session === undefined ? {} : { session: session.token, resumed: this.#resumed }),
    });
  }

  #refuse(error: unknown): void {
    const code = refusalCloseCode(error);
    if (code !== undefined) {
      this.closeWith(code, (error as RpcError).message);
      return;
    }
    this.#config.logger.error('context function failed', { connectionId: this.id, error });
    this.closeWith(CloseCode.InternalError, 'Internal server error');
  }

  /** `hello` arrived: build the context (the handshake timer still runs: a context function that hangs ends in 4408). */
  async #hello(params: unknown, sessionToken: string | undefined): Promise<void> {
    this.#state = 'authenticating';
    try {
      let authenticated: Authenticated;
      try {
        authenticated = await this.#config.authenticate(this.id, this.#upgrade, params);
      } finally {
        // Only the first context sees the request itself: re-authentication gets its URL, headers and address.
        this.#upgrade.forgetRequest();
      }
      // The socket may have closed meanwhile.
      if (this.#currentState() !== 'authenticating') return;
      clearTimeout(this.#helloTimer);
      this.#helloTimer = undefined;
      this.#ctx = authenticated.ctx;
      this.#state = 'ready';
      const opened = this.#config.sessions?.open(sessionToken);
      this.#session = opened?.session;
      this.#resumed = opened?.resumed ?? false;
      this.#scheduleExpiry(authenticated.expiresAt);
      this.#welcome(authenticated.expiresAt);
      const queued = this.#backlog;
      this.#backlog = undefined;
      for (const item of queued ?? []) {
        if (!this.#isReading()) return;
        this.#dispatch(item);
      }
    } catch (error) {
      this.#refuse(error);
    }
  }

  /** Re-authentication: new context for new requests; live subscriptions that are no longer allowed end. */
  async #reauthenticate(params: unknown): Promise<void> {
    let authenticated: Authenticated;
    try {
      authenticated = await this.#config.authenticate(this.id, this.#upgrade, params);
    } catch (error) {
      this.#refuse(error);
      return;
    }
    if (this.#state !== 'ready' && this.#state !== 'draining') return;
    this.#ctx = authenticated.ctx;
    this.#scheduleExpiry(authenticated.expiresAt);
    const checks = [...this.#operations].map(async ([id, op]) => {
      if (op.request === undefined || op.answered) return;
      try {
        await this.#config.reauthorize(op.request.entry, authenticated.ctx, op.request.input, op.meta);
      } catch (error) {
        // Same rules as any failure: declared and built-in codes pass, anything else is masked and logged.
        const refused = normalizeError(error, op.request.entry, this.#config.logger);
        this.#runner.finish(op, errorMessage(id, refused), op.request.entry.path);
        op.abort(refused);
      }
    });
    await Promise.all(checks);
    this.#welcome(authenticated.expiresAt);
  }

  #start(message: CallMessage | SubscribeMessage): void {
    const { id, path } = message;
    const { limits } = this.#config;
    if (this.#state === 'draining') {
      this.#reject(id, RpcErrorCode.Unavailable, 'the server is shutting down', NOT_STARTED);
      return;
    }
    const entry = this.#config.procedures.get(path);
    if (entry === undefined) {
      this.#reject(id, RpcErrorCode.NotFound, `no procedure at ${quotePath(path)}`);
      return;
    }
    const isSubscription = entry.procedure['~rpc'].kind === 'subscription';
    if (isSubscription !== (message.type === MessageType.Subscribe)) {
      const kind = entry.procedure['~rpc'].kind;
      const expected = isSubscription ? MessageType.Subscribe : MessageType.Call;
      this.#reject(id, RpcErrorCode.MethodNotSupported, `${quotePath(path)} is a ${kind}: send "${expected}", not "${message.type}"`);
      return;
    }
    if (this.#operations.has(id)) {
      this.#reject(id, RpcErrorCode.Conflict, `id "${id}" is already used by a live request`);
      return;
    }
    const calls = message.type === MessageType.Call ? this.#sessionWindow(entry) : undefined;
    const known = calls?.get(id);
    if (known?.outcome !== undefined) {
      // A retry of a mutation that already ran: its stored outcome, not a second run.
      this.writer.write(known.outcome);
      return;
    }
    if (calls !== undefined && known === undefined && message.type === MessageType.Call && message.retry === true && calls.mayHaveRun(id)) {
      this.#reject(id, RpcErrorCode.OutcomeUnknown, 'this mutation may have run, but its outcome is no longer kept');
      return;
    }
    if (isSubscription ? this.#subscriptionCount >= limits.maxSubscriptions : this.#callCount >= limits.maxInFlightCalls) {
      const limit = isSubscription ? `${String(limits.maxSubscriptions)} live subscriptions` : `${String(limits.maxInFlightCalls)} calls in flight`;
      this.#reject(id, RpcErrorCode.TooManyRequests, `at most ${limit} per connection`);
      return;
    }
    const op = new Operation({
      kind: isSubscription ? 'subscription' : 'call',
      request: isSubscription ? { entry, input: message.input } : undefined,
      meta: message.meta,
      owner: this,
      outlivesConnection: calls !== undefined,
      observer: entry.observer,
    });
    this.#operations.add(id, op);
    if (isSubscription) this.#subscriptionCount += 1;
    else this.#callCount += 1;
    const runner = this.#runner;
    if (message.timeoutMs !== undefined) {
      op.setDeadline(message.timeoutMs, () => {
        const timeout = new RpcError(RpcErrorCode.Timeout, `deadline of ${String(message.timeoutMs)} ms exceeded`);
        runner.finish(op, errorMessage(id, timeout), path);
        op.abort(timeout);
      });
    }
    if (message.type === MessageType.Subscribe) {
      this.#track(runner.runSubscription(op, entry, message));
    } else if (known !== undefined) {
      // A retry while the first run is still going: answer with its outcome.
      known.waiters.push((outcome) => {
        runner.finish(op, outcome, path);
        this.release(id, op);
      });
    } else if (calls === undefined) {
      this.#track(runner.runCall(op, entry, message));
    } else {
      const record = calls.begin(id);
      this.#track(
        runner.runCall(op, entry, message, (outcome) => {
          calls.finish(record, outcome);
        }),
      );
    }
  }

  /** The session's record of mutations, for a mutation that is retried (not failed) when the connection drops. */
  #sessionWindow(entry: ProcedureEntry): CallWindow | undefined {
    const { kind, onConnectionLost } = entry.procedure['~rpc'];
    return kind === 'mutation' && onConnectionLost === 'retry' ? this.#session?.calls : undefined;
  }

  /** Applies the rate limit; returns whether the message may be handled. */
  #withinRate(message: ClientMessage): boolean {
    const decision = this.#rateLimiter?.take() ?? 'accept';
    if (decision === 'accept' || message.type === MessageType.Cancel) return true;
    this.#config.metrics?.rateLimited();
    if (decision === 'abuse') {
      this.closeWith(CloseCode.RateLimited, 'rate limit exceeded');
    } else if (message.type === MessageType.Call || message.type === MessageType.Subscribe) {
      this.#reject(message.id, RpcErrorCode.TooManyRequests, 'rate limit exceeded: slow down');
    }
    return false;
  }

  #handle(message: ClientMessage): void {
    if (!this.#withinRate(message)) return;
    if (this.#state === 'awaiting-hello') {
      // Not tracked by `settled()`: a context function that never settles must not hold up shutdown.
      if (message.type === MessageType.Hello) void this.#hello(message.params, message.session);
      else this.closeWith(CloseCode.BadMessage, `the first message must be "hello", got "${message.type}"`);
      return;
    }
    switch (message.type) {
      case MessageType.Hello:
        this.closeWith(CloseCode.BadMessage, '"hello" may be sent only once; send "auth" to re-authenticate');
        return;
      case MessageType.Auth:
        void this.#reauthenticate(message.params);
        return;
      case MessageType.Call:
      case MessageType.Subscribe:
        this.#start(message);
        return;
      case MessageType.Cancel: {
        const op = this.#operations.get(message.id);
        if (op === undefined || !op.answer()) return;
        op.abort(new RpcError(RpcErrorCode.Cancelled, 'cancelled by the client'));
        return;
      }
      case MessageType.Ping:
        this.writer.write({ type: MessageType.Pong });
        return;
    }
  }

  /** The state now: a method, so that checks after an `await` are not narrowed by checks before it. */
  #currentState(): ConnectionState {
    return this.#state;
  }

  /** Whether messages are read: before `closing`. A method, so checks after a dispatch are not narrowed away. */
  #isReading(): boolean {
    return this.#state !== 'closing' && this.#state !== 'closed';
  }

  #dispatch(item: DecodedMessage<ClientMessage>): void {
    if (item.ok) this.#handle(item.message);
    else if (item.id === undefined || this.#state === 'awaiting-hello') this.closeWith(CloseCode.BadMessage, item.error.message);
    else this.#reject(item.id, RpcErrorCode.BadRequest, item.error.message);
  }

  #abortAll(reason: RpcError): void {
    for (const [, op] of this.#operations) {
      op.answer(reason.code);
      // A mutation recorded in the session runs to the end: a retry on the next connection gets its outcome.
      if (!op.outlivesConnection) op.abort(reason);
    }
  }

  #stopTimers(): void {
    clearTimeout(this.#helloTimer);
    clearTimeout(this.#expiryTimer);
    this.#helloTimer = undefined;
    this.#expiryTimer = undefined;
  }
}

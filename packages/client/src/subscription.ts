import { RpcError, RpcErrorCode, type OverflowPolicy } from '@wirecall/schema';
import type { GapReason } from '@wirecall/schema/protocol';

/** Default bound of the events a `for await` subscription holds before the loop reads them. */
export const DEFAULT_MAX_BUFFERED_EVENTS = 10_000;

/**
 * A resumable subscription missed events that the server could no longer
 * replay (after a reconnect, or while the client read too slowly). The events
 * that follow are live: refetch a snapshot if you keep state.
 */
export interface SubscriptionGap {
  /** `'expired'`: older than the server keeps; `'unknown'`: the server does not know the last id (e.g. it restarted). */
  readonly reason: GapReason;
}

/** Options of `subscribe`. */
export interface SubscribeOptions<TEvent, TError = RpcError> {
  /** Receives each event. With callbacks, the subscription is not iterable. */
  onData?: (event: TEvent) => void;
  /** Receives the error that ended the subscription. */
  onError?: (error: TError) => void;
  /** Called when the server ends the subscription normally. */
  onComplete?: () => void;
  /** Called when a resumable subscription missed events (see `SubscriptionGap`); events go on after it. */
  onGap?: (gap: SubscriptionGap) => void;
  /** Ends the subscription: the server-side handler stops, iteration ends without an error. */
  signal?: AbortSignal;
  /** Ends the subscription with `TIMEOUT` after this long; the server enforces it too. */
  timeoutMs?: number;
  /**
   * Id of the last event seen, so a resumable handler continues after it. The
   * client then keeps track of the ids itself and resumes after the last event
   * delivered whenever it resubscribes (after a reconnect).
   */
  lastEventId?: string;
  /** Per-request metadata for the server's call context, e.g. `{ traceId, locale }`. */
  meta?: Readonly<Record<string, string>>;
  /**
   * Share one subscription on the wire with the other live subscriptions of
   * the same procedure, input and `meta` (default `true`). Each consumer gets
   * every event from the moment it subscribed; the wire subscription ends with
   * the last consumer. Subscriptions with `timeoutMs` or `lastEventId` are never shared.
   */
  shared?: boolean;
  /**
   * Most events a `for await` subscription holds before the loop takes them
   * (unused with `onData`). Past it, the procedure's `overflow` policy applies
   * to this buffer: `latest` keeps only the newest event and `dropOldest` drops
   * the oldest (at most its own `maxBuffered`, and at most this many; a
   * resumable subscription reports the drop through `onGap`); `pause` and `end`
   * end the subscription with `SLOW_CONSUMER`, after the events already
   * held, and unsubscribe on the wire. Memory stays bounded either way.
   * @default 10_000 (events)
   */
  maxBuffered?: number;
}

/**
 * A live subscription. Consume it with callbacks (`onData`…) or as an async
 * iterator (`for await`), not both; `break` or `unsubscribe()` ends it.
 */
export interface Subscription<TEvent> extends AsyncIterable<TEvent> {
  /** Ends the subscription; the server-side generator's `finally` runs. Idempotent. */
  readonly unsubscribe: () => void;
  /** Whether the subscription has ended, for any reason. */
  readonly closed: boolean;
}

/** How a subscription's events and end reach it from the request layer. */
export interface SubscriptionSink<TEvent> {
  readonly next: (event: TEvent) => void;
  readonly error: (error: RpcError) => void;
  readonly complete: () => void;
  readonly gap: (gap: SubscriptionGap) => void;
  /** The caller's signal fired: end quietly, as `unsubscribe()` does. */
  readonly abort: () => void;
}

/** Misuse of a subscription, e.g. iterating one that was created with callbacks. */
export class SubscriptionUsageError extends Error {
  override readonly name = 'SubscriptionUsageError';
}

type Ending = { readonly kind: 'done' } | { readonly kind: 'error'; readonly error: RpcError };

/** What the contract says about a subscription's events: how they overflow, and whether a drop is a gap. */
export interface SubscriptionPolicy {
  readonly overflow: OverflowPolicy;
  readonly resumable: boolean;
}

const PAUSE_POLICY: SubscriptionPolicy = { overflow: { policy: 'pause' }, resumable: false };

/** Most unread events the buffer holds under `policy` (a positive integer, checked by the caller). */
function bufferBound(policy: OverflowPolicy, maxBuffered: number): number {
  switch (policy.policy) {
    case 'latest':
      return 1;
    case 'dropOldest':
      return Math.min(policy.maxBuffered, maxBuffered);
    case 'pause':
    case 'end':
      return maxBuffered;
  }
}

/** Whether the policy drops events instead of ending the subscription when the buffer is full. */
function dropsEvents(policy: OverflowPolicy): boolean {
  return policy.policy === 'latest' || policy.policy === 'dropOldest';
}

/**
 * Creates a subscription. `start` opens it on the wire and returns the function
 * that ends it there. Events received before the iterator pulls them are
 * queued, at most `maxBuffered` of them (see `SubscribeOptions.maxBuffered`).
 */
export function createSubscription<TEvent>(
  options: SubscribeOptions<TEvent, never>,
  start: (sink: SubscriptionSink<TEvent>) => () => void,
  policy: SubscriptionPolicy = PAUSE_POLICY,
): Subscription<TEvent> {
  const iterable = options.onData === undefined;
  /** Unread events from `head` on; the consumed prefix is cut off now and then (no O(n) `shift` per event). */
  let buffer: TEvent[] = [];
  let head = 0;
  const maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED_EVENTS;
  const validBound = Number.isSafeInteger(maxBuffered) && maxBuffered >= 1;
  const bound = bufferBound(policy.overflow, validBound ? maxBuffered : 1);
  /** A drop was reported with `onGap` and no event was read since: one gap per run of drops. */
  let gapReported = false;
  let ending: Ending | undefined;
  let iterating = false;
  let wake: (() => void) | undefined;

  function end(next: Ending): void {
    if (ending !== undefined) return;
    ending = next;
    wake?.();
  }

  function fail(error: RpcError): void {
    if (ending !== undefined) return;
    end({ kind: 'error', error });
    (options.onError as ((error: RpcError) => void) | undefined)?.(error);
  }

  function unread(): number {
    return buffer.length - head;
  }

  /** Removes the oldest unread event (read or dropped). */
  function advance(): void {
    buffer[head] = undefined as TEvent;
    head += 1;
    if (head === buffer.length) {
      buffer = [];
      head = 0;
    } else if (head >= 1024 && head * 2 >= buffer.length) {
      buffer = buffer.slice(head);
      head = 0;
    }
  }

  function take(): TEvent {
    const event = buffer[head] as TEvent;
    advance();
    gapReported = false;
    return event;
  }

  /** The loop reads more slowly than events arrive: apply the contract's policy to the full buffer. */
  function overflow(): boolean {
    if (!dropsEvents(policy.overflow)) {
      fail(
        new RpcError(
          RpcErrorCode.SlowConsumer,
          `more than ${String(bound)} events arrived that the subscription's loop did not read (maxBuffered)`,
        ),
      );
      // Unsubscribe on the wire; the events already held are still delivered before the error.
      stop?.();
      return false;
    }
    advance();
    if (policy.resumable && !gapReported) {
      gapReported = true;
      options.onGap?.({ reason: 'expired' });
    }
    return true;
  }

  if (!validBound) {
    fail(new RpcError(RpcErrorCode.BadRequest, `maxBuffered must be a positive integer, got ${String(maxBuffered)}`));
  }

  // Assigned after `start` returns; `start` may end the subscription synchronously (an aborted signal).
  let stop: (() => void) | undefined = undefined;
  if (validBound) {
    stop = start({
      next(event) {
        if (ending !== undefined) return;
        if (!iterable) {
          options.onData?.(event);
          return;
        }
        if (unread() >= bound && !overflow()) return;
        buffer.push(event);
        wake?.();
      },
      error: fail,
      complete() {
        if (ending !== undefined) return;
        end({ kind: 'done' });
        options.onComplete?.();
      },
      gap(gap) {
        if (ending === undefined) options.onGap?.(gap);
      },
      abort() {
        unsubscribe();
      },
    });
  }

  function unsubscribe(): void {
    if (ending !== undefined) return;
    buffer = [];
    head = 0;
    end({ kind: 'done' });
    stop?.();
  }

  async function* iterate(): AsyncGenerator<TEvent, void, undefined> {
    try {
      for (;;) {
        if (unread() > 0) {
          yield take();
          continue;
        }
        if (ending?.kind === 'error') throw ending.error;
        if (ending?.kind === 'done') return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
    }
  }

  return {
    unsubscribe,
    get closed() {
      return ending !== undefined;
    },
    [Symbol.asyncIterator]() {
      if (!iterable) throw new SubscriptionUsageError('this subscription has onData callbacks and cannot be iterated');
      if (iterating) throw new SubscriptionUsageError('a subscription can be iterated only once');
      iterating = true;
      return iterate();
    },
  };
}

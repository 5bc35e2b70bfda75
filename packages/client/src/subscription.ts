import type { RpcError } from '@wirecall/schema';

/** Options of `subscribe`. */
export interface SubscribeOptions<TEvent, TError = RpcError> {
  /** Receives each event. With callbacks, the subscription is not iterable. */
  onData?: (event: TEvent) => void;
  /** Receives the error that ended the subscription. */
  onError?: (error: TError) => void;
  /** Called when the server ends the subscription normally. */
  onComplete?: () => void;
  /** Ends the subscription: the server-side handler stops, iteration ends without an error. */
  signal?: AbortSignal;
  /** Ends the subscription with `TIMEOUT` after this long; the server enforces it too. */
  timeoutMs?: number;
  /** Id of the last event seen, so a resumable handler continues after it. */
  lastEventId?: string;
  /** Per-request metadata for the server's call context, e.g. `{ traceId, locale }`. */
  meta?: Readonly<Record<string, string>>;
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
  /** The caller's signal fired: end quietly, as `unsubscribe()` does. */
  readonly abort: () => void;
}

/** Misuse of a subscription, e.g. iterating one that was created with callbacks. */
export class SubscriptionUsageError extends Error {
  override readonly name = 'SubscriptionUsageError';
}

type Ending = { readonly kind: 'done' } | { readonly kind: 'error'; readonly error: RpcError };

/**
 * Creates a subscription. `start` opens it on the wire and returns the function
 * that ends it there. Events received before the iterator pulls them are queued.
 */
export function createSubscription<TEvent>(
  options: SubscribeOptions<TEvent, never>,
  start: (sink: SubscriptionSink<TEvent>) => () => void,
): Subscription<TEvent> {
  const iterable = options.onData === undefined;
  const buffer: TEvent[] = [];
  let ending: Ending | undefined;
  let iterating = false;
  let wake: (() => void) | undefined;

  function end(next: Ending): void {
    if (ending !== undefined) return;
    ending = next;
    wake?.();
  }

  // Assigned after `start` returns; `start` may end the subscription synchronously (an aborted signal).
  let stop: (() => void) | undefined = undefined;
  stop = start({
    next(event) {
      if (ending !== undefined) return;
      if (!iterable) {
        options.onData?.(event);
        return;
      }
      buffer.push(event);
      wake?.();
    },
    error(error) {
      if (ending !== undefined) return;
      end({ kind: 'error', error });
      (options.onError as ((error: RpcError) => void) | undefined)?.(error);
    },
    complete() {
      if (ending !== undefined) return;
      end({ kind: 'done' });
      options.onComplete?.();
    },
    abort() {
      unsubscribe();
    },
  });

  function unsubscribe(): void {
    if (ending !== undefined) return;
    buffer.length = 0;
    end({ kind: 'done' });
    stop?.();
  }

  async function* iterate(): AsyncGenerator<TEvent, void, undefined> {
    try {
      for (;;) {
        if (buffer.length > 0) {
          yield buffer.shift() as TEvent;
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

import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

import type { ProcedureKind } from '@wirecall/schema';
import { CloseCode } from '@wirecall/schema/protocol';

import { createCounter, type Counter, type CounterValue } from './counter.js';
import { createGauge } from './gauge.js';
import {
  assertBuckets,
  createHistogram,
  DEFAULT_DURATION_BUCKETS_SECONDS,
  type HistogramSnapshot,
  type HistogramValue,
} from './histogram.js';
import { createMetricsHandler } from './metrics-handler.js';
import { OUTCOME_OK, type OperationObserver } from './operation-observer.js';
import { encodePrometheusText } from './prometheus-text.js';
import { assertMetricName, createRegistry } from './registry.js';

/** Default prefix of every metric name. */
export const DEFAULT_METRICS_PREFIX = 'wirecall_';

/** How the server's metrics are set up (`metrics` in `createServer`). */
export interface MetricsOptions {
  /** Prefix of every metric name; must keep names valid (`[a-zA-Z_:][a-zA-Z0-9_:]*`). Default `wirecall_`. */
  readonly prefix?: string;
  /**
   * Upper bounds of the call duration histogram, in seconds, strictly ascending.
   * Default `DEFAULT_DURATION_BUCKETS_SECONDS` (0.5 ms to 10 s).
   */
  readonly durationBucketsSeconds?: readonly number[];
}

/**
 * Why an upgrade request was refused: `origin` (403), `max_connections` (503),
 * `max_connections_per_address` (429), `shutting_down` (503), `not_found` (404,
 * no endpoint at that path), `subprotocol_missing` (400, no Wirecall
 * subprotocol offered), `subprotocol_unsupported` (closed with 4406 right after
 * the upgrade: a Wirecall version or codec this server does not speak).
 */
export type UpgradeRefusalReason =
  | 'origin'
  | 'max_connections'
  | 'max_connections_per_address'
  | 'shutting_down'
  | 'not_found'
  | 'subprotocol_missing'
  | 'subprotocol_unsupported';

/** Metrics of one query or mutation. */
export interface CallMetricsSnapshot {
  /** Answered calls by outcome: `ok`, or the error code (built-in or declared) the client received. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Time from the request to its answer, in seconds (cumulative buckets). */
  readonly duration: HistogramSnapshot;
}

/** Metrics of one subscription procedure. */
export interface SubscriptionMetricsSnapshot {
  /** Ended subscriptions by outcome: `ok` (completed), or the error code (`CANCELLED` when the client unsubscribed). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Events written to sockets. */
  readonly eventsSent: number;
}

/** Every server metric at one moment, as plain numbers and records (JSON-friendly). */
export interface ServerMetricsSnapshot {
  readonly connections: {
    /** Connections accepted and not closed yet. */
    readonly open: number;
    /** Connections accepted since the server started. */
    readonly opened: number;
    /**
     * Closed connections by close code (`"1000"`, `"4429"`, …): the code the server sent when it closed
     * first, else the client's (`1006` when the socket dropped). Codes outside the protocol's table
     * and outside 1000–1015 are counted under `"other"`, so clients cannot create unbounded series.
     */
    readonly closed: Readonly<Record<string, number>>;
  };
  /** Queries and mutations, by procedure path; every call procedure of the contract is listed. */
  readonly calls: Readonly<Record<string, CallMetricsSnapshot>>;
  readonly subscriptions: {
    /** Subscriptions running now, on every connection. */
    readonly live: number;
    /** By procedure path; every subscription of the contract is listed. */
    readonly byPath: Readonly<Record<string, SubscriptionMetricsSnapshot>>;
  };
  /** WebSocket messages (frames): a batch frame of several protocol messages counts once. */
  readonly messages: { readonly received: number; readonly sent: number };
  /** Payload bytes of those messages (after decompression, before compression). */
  readonly bytes: { readonly received: number; readonly sent: number };
  /** Times a subscription was paused because its socket's buffer passed `sendHighWaterMarkBytes`. */
  readonly backpressurePauses: number;
  /** Messages the per-connection rate limit refused (`TOO_MANY_REQUESTS`, or the one that closed with 4429). */
  readonly rateLimitRejections: number;
  /**
   * Requests refused before any handler ran, by error code: `NOT_FOUND`, `METHOD_NOT_SUPPORTED`,
   * `CONFLICT`, `TOO_MANY_REQUESTS` (limits and rate limit), `UNAVAILABLE` (draining), `BAD_REQUEST`
   * (malformed message with a readable id).
   */
  readonly refusedRequests: Readonly<Record<string, number>>;
  /** Upgrade requests refused, by reason. */
  readonly upgradeRefusals: Readonly<Partial<Record<UpgradeRefusalReason, number>>>;
}

/** The server's metrics, readable as a snapshot or in the Prometheus text format (`server.metrics`). */
export interface ServerMetrics {
  /** Whether metrics are collected; `false` with `metrics: false`, and then every figure stays 0. */
  readonly enabled: boolean;
  /** Reads every metric now. */
  readonly snapshot: () => ServerMetricsSnapshot;
  /** Every metric in the Prometheus text exposition format 0.0.4 (empty when disabled). */
  readonly prometheus: () => string;
  /**
   * A Node HTTP request handler that serves `prometheus()` with the 0.0.4 content
   * type: mount it on a path of your own server (`GET` and `HEAD`; other methods
   * get 405, and a server with metrics disabled answers 404).
   */
  readonly handler: (request: IncomingMessage, response: ServerResponse) => void;
}

/** What the server core and its adapter record; each member is a bound function. */
export interface MetricsRecorder {
  /** A connection was accepted (after the upgrade and subprotocol checks). */
  readonly connectionOpened: () => void;
  /** A connection's socket closed with `code` (the server's if it closed first). */
  readonly connectionClosed: (code: number) => void;
  /** One WebSocket message of `bytes` arrived. */
  readonly received: (bytes: number) => void;
  /** One WebSocket message of `bytes` was handed to the socket. */
  readonly sent: (bytes: number) => void;
  /** A subscription waits for its socket's buffer to drain below the high-water mark. */
  readonly backpressurePaused: () => void;
  /** The rate limiter refused a message. */
  readonly rateLimited: () => void;
  /** A request was refused with `code` before a handler ran. */
  readonly refused: (code: string) => void;
  /** An upgrade request was refused. */
  readonly upgradeRefused: (reason: UpgradeRefusalReason) => void;
  /** The observer of a procedure's operations; call once per procedure, when the procedure table is built. */
  readonly observe: (path: string, kind: ProcedureKind) => OperationObserver;
}

/** Codes that get a label of their own: the protocol's table and the RFC 6455 range 1000–1015. */
const KNOWN_CLOSE_CODES: ReadonlySet<number> = new Set<number>([
  ...Object.values(CloseCode),
  ...Array.from({ length: 16 }, (_, index) => 1000 + index),
]);

function closeCodeLabel(code: number): string {
  return KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other';
}

/** The outcomes of one procedure: `ok` resolved up front, error codes on first use. */
class OutcomeCounts {
  readonly #counter: Counter;
  readonly #path: string;
  readonly #byOutcome = new Map<string, CounterValue>();
  readonly ok: CounterValue;

  constructor(counter: Counter, path: string) {
    this.#counter = counter;
    this.#path = path;
    this.ok = counter.labels(path, OUTCOME_OK);
  }

  /** The series of an outcome; errors are rarer than successes, so only they pay a lookup. */
  get(outcome: string): CounterValue {
    if (outcome === OUTCOME_OK) return this.ok;
    let value = this.#byOutcome.get(outcome);
    if (value === undefined) {
      value = this.#counter.labels(this.#path, outcome);
      this.#byOutcome.set(outcome, value);
    }
    return value;
  }

  snapshot(): Record<string, number> {
    const counts: Record<string, number> = { [OUTCOME_OK]: this.ok.value };
    for (const [outcome, value] of this.#byOutcome) counts[outcome] = value.value;
    return counts;
  }
}

/** A series keyed by a bounded label, counted on paths that are not hot (closes, refusals). */
function countBy(counter: Counter): { readonly inc: (label: string) => void; readonly snapshot: () => Record<string, number> } {
  const values = new Map<string, CounterValue>();
  return {
    inc(label) {
      let value = values.get(label);
      if (value === undefined) {
        value = counter.labels(label);
        values.set(label, value);
      }
      value.inc();
    },
    snapshot: () => Object.fromEntries([...values].map(([label, value]) => [label, value.value])),
  };
}

/** The metrics of one server: a recorder for the core, and the public `ServerMetrics` view. */
export interface ServerMetricsHub {
  /** `undefined` when metrics are disabled: the core then skips every record call. */
  readonly recorder: MetricsRecorder | undefined;
  readonly metrics: ServerMetrics;
}

/** The snapshot of a server whose metrics are disabled. */
function emptySnapshot(): ServerMetricsSnapshot {
  return {
    connections: { open: 0, opened: 0, closed: {} },
    calls: {},
    subscriptions: { live: 0, byPath: {} },
    messages: { received: 0, sent: 0 },
    bytes: { received: 0, sent: 0 },
    backpressurePauses: 0,
    rateLimitRejections: 0,
    refusedRequests: {},
    upgradeRefusals: {},
  };
}

/**
 * Creates the metrics of one server. With `false`, nothing is collected: the
 * recorder is `undefined` and the view reports zeros. Throws on an invalid
 * prefix or bucket list.
 */
export function createServerMetrics(options: MetricsOptions | boolean = true): ServerMetricsHub {
  if (options === false) {
    return {
      recorder: undefined,
      metrics: { enabled: false, snapshot: emptySnapshot, prometheus: () => '', handler: createMetricsHandler(undefined) },
    };
  }
  const { prefix = DEFAULT_METRICS_PREFIX, durationBucketsSeconds = DEFAULT_DURATION_BUCKETS_SECONDS } = options === true ? {} : options;
  assertMetricName(`${prefix}x`);
  assertBuckets(durationBucketsSeconds);
  const registry = createRegistry();
  const name = (suffix: string): string => `${prefix}${suffix}`;

  const counter = (suffix: string, help: string, labelNames: readonly string[] = []): Counter =>
    registry.register(createCounter({ name: name(suffix), help, labelNames }));

  let liveSubscriptions = 0;
  let closedTotal = 0;
  const callSeries = new Map<string, { readonly outcomes: OutcomeCounts; readonly duration: HistogramValue }>();
  const subscriptionSeries = new Map<string, { readonly outcomes: OutcomeCounts; readonly events: CounterValue }>();

  const opened = counter('connections_opened_total', 'WebSocket connections accepted.').labels();
  registry.register(
    createGauge({ name: name('connections_open'), help: 'WebSocket connections open now.', read: () => opened.value - closedTotal }),
  );
  const closed = countBy(
    counter('connections_closed_total', 'WebSocket connections closed, by close code ("other" for codes outside the protocol).', [
      'code',
    ]),
  );
  const calls = counter('calls_total', 'Queries and mutations answered, by procedure and outcome ("ok" or the error code).', [
    'path',
    'outcome',
  ]);
  const durations = registry.register(
    createHistogram({
      name: name('call_duration_seconds'),
      help: 'Time from a query or mutation request to its answer, in seconds.',
      labelNames: ['path'],
      buckets: durationBucketsSeconds,
    }),
  );
  registry.register(
    createGauge({ name: name('subscriptions_active'), help: 'Subscriptions running now.', read: () => liveSubscriptions }),
  );
  const subscriptions = counter(
    'subscriptions_total',
    'Subscriptions ended, by procedure and outcome ("ok" when completed, else the error code).',
    ['path', 'outcome'],
  );
  const events = counter('subscription_events_total', 'Subscription events written to sockets, by procedure.', ['path']);
  const messagesReceived = counter('messages_received_total', 'WebSocket messages received (a batch frame counts once).').labels();
  const messagesSent = counter('messages_sent_total', 'WebSocket messages sent (a batch frame counts once).').labels();
  const bytesReceived = counter('received_bytes_total', 'Payload bytes of the WebSocket messages received.').labels();
  const bytesSent = counter('sent_bytes_total', 'Payload bytes of the WebSocket messages sent.').labels();
  const backpressurePauses = counter(
    'backpressure_pauses_total',
    "Times a subscription paused because its socket's outgoing buffer passed the high-water mark.",
  ).labels();
  const rateLimited = counter('rate_limited_total', 'Messages refused by the per-connection rate limit.').labels();
  const refused = countBy(counter('requests_refused_total', 'Requests refused before a handler ran, by error code.', ['code']));
  const upgradesRefused = countBy(counter('upgrades_refused_total', 'WebSocket upgrade requests refused, by reason.', ['reason']));

  function observeCall(path: string): OperationObserver {
    const series = { outcomes: new OutcomeCounts(calls, path), duration: durations.labels(path) };
    callSeries.set(path, series);
    return {
      start: () => performance.now(),
      end(outcome, startedAt) {
        series.outcomes.get(outcome).inc();
        series.duration.observe((performance.now() - startedAt) / 1000);
      },
      eventSent: () => undefined,
    };
  }

  function observeSubscription(path: string): OperationObserver {
    const series = { outcomes: new OutcomeCounts(subscriptions, path), events: events.labels(path) };
    subscriptionSeries.set(path, series);
    return {
      start() {
        liveSubscriptions += 1;
        return 0;
      },
      end(outcome) {
        liveSubscriptions -= 1;
        series.outcomes.get(outcome).inc();
      },
      eventSent() {
        series.events.inc();
      },
    };
  }

  const recorder: MetricsRecorder = {
    connectionOpened() {
      opened.inc();
    },
    connectionClosed(code) {
      closedTotal += 1;
      closed.inc(closeCodeLabel(code));
    },
    received(bytes) {
      messagesReceived.inc();
      bytesReceived.inc(bytes);
    },
    sent(bytes) {
      messagesSent.inc();
      bytesSent.inc(bytes);
    },
    backpressurePaused() {
      backpressurePauses.inc();
    },
    rateLimited() {
      rateLimited.inc();
    },
    refused(code) {
      refused.inc(code);
    },
    upgradeRefused(reason) {
      upgradesRefused.inc(reason);
    },
    observe: (path, kind) => (kind === 'subscription' ? observeSubscription(path) : observeCall(path)),
  };

  function snapshot(): ServerMetricsSnapshot {
    return {
      connections: { open: opened.value - closedTotal, opened: opened.value, closed: closed.snapshot() },
      calls: Object.fromEntries(
        [...callSeries].map(([path, series]) => [path, { outcomes: series.outcomes.snapshot(), duration: series.duration.snapshot() }]),
      ),
      subscriptions: {
        live: liveSubscriptions,
        byPath: Object.fromEntries(
          [...subscriptionSeries].map(([path, series]) => [path, { outcomes: series.outcomes.snapshot(), eventsSent: series.events.value }]),
        ),
      },
      messages: { received: messagesReceived.value, sent: messagesSent.value },
      bytes: { received: bytesReceived.value, sent: bytesSent.value },
      backpressurePauses: backpressurePauses.value,
      rateLimitRejections: rateLimited.value,
      refusedRequests: refused.snapshot(),
      upgradeRefusals: upgradesRefused.snapshot(),
    };
  }

  const prometheus = (): string => encodePrometheusText(registry.collect());
  return { recorder, metrics: { enabled: true, snapshot, prometheus, handler: createMetricsHandler(prometheus) } };
}

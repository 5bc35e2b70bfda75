/**
 * What a benchmarked framework ("peer") implements: one adapter file in
 * `src/peers/` exports `peer`, and the harness finds it by its file name.
 * @module
 */
import type { Server as HttpServer } from 'node:http';

/** Input of the unary `add` call (scenarios A and B). */
export interface AddInput {
  readonly a: number;
  readonly b: number;
}

/** One of the records of scenario C: two `Date` fields among plain ones. */
export interface BenchRecord {
  readonly id: number;
  readonly name: string;
  readonly active: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The small event of scenarios D and E. `sentAt` is {@link nowUs} on the server when the event was made. */
export interface BenchEvent {
  readonly seq: number;
  readonly sentAt: number;
}

/** Ends a subscription on the client. */
export type Unsubscribe = () => void;

/** What the harness hands to `serve`. */
export interface ServeOptions {
  /**
   * Outgoing bytes per connection above which a push loop (scenario D) must
   * wait for the socket to drain, in whatever way the peer allows.
   */
  readonly highWaterMarkBytes: number;
}

/** The server half of a peer, attached to an HTTP server the harness owns and listens with. */
export interface PeerServer {
  /** Path clients connect to, when the peer's client does not take a full URL (socket.io). Default `/`. */
  readonly path?: string;
  /** Sends `event` to every live `ticker` subscription (scenario E). */
  readonly broadcast: (event: BenchEvent) => void;
  /** Number of live `ticker` subscriptions. */
  readonly subscribers: () => number;
  /**
   * Events queued per connection inside the peer (not yet handed to the TCP
   * socket), largest over all connections. The broadcaster of scenario E
   * waits while it is above its limit. Omit when the peer writes straight to the socket.
   */
  readonly backlog?: () => number;
}

/** The client half of a peer: one connection. */
export interface PeerClient {
  /** Scenarios A and B: returns `a + b`. */
  readonly add: (input: AddInput) => Promise<number>;
  /** Scenario C: returns the first `count` records (the server's output, decoded as the peer does). */
  readonly records: (count: number) => Promise<unknown>;
  /** Scenario D: the server pushes events as fast as it can, respecting backpressure, until unsubscribed. */
  readonly stream: (onEvent: (event: BenchEvent) => void) => Unsubscribe;
  /**
   * Scenario E: receives the server's broadcasts. The harness waits for the
   * server's `subscribers()` count to know the subscription is live.
   */
  readonly ticker: (onEvent: (event: BenchEvent) => void) => Unsubscribe;
  /** Closes the connection. */
  readonly close: () => void;
}

/** A benchmarked framework. */
export interface Peer {
  /** Row label of the report. The peer's id is its file name. */
  readonly label: string;
  /** Attaches the server to `http` (which the harness makes listen on a loopback port). */
  readonly serve: (http: HttpServer, options: ServeOptions) => PeerServer | Promise<PeerServer>;
  /** Opens one connection to `url` (`ws://127.0.0.1:port` plus the server's `path`); resolves once it is usable. */
  readonly connect: (url: string) => Promise<PeerClient>;
}

/** Microseconds on the machine's monotonic clock, comparable between processes on one host. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Records per call in scenario C. */
export const RECORD_COUNT = 100;

const EPOCH_MS = Date.UTC(2025, 0, 1);

/** The records every server returns in scenario C (about 11 KB as JSON with ISO dates). */
export const RECORDS: readonly BenchRecord[] = Array.from({ length: 1000 }, (_, index) => ({
  id: index + 1,
  name: `user-${String(index + 1).padStart(5, '0')}`,
  active: index % 3 !== 0,
  createdAt: new Date(EPOCH_MS + index * 3_600_000),
  updatedAt: new Date(EPOCH_MS + index * 3_600_000 + 61_234),
}));

/** The server side of `records`, shared by every peer so they do the same work. */
export function takeRecords(count: number): BenchRecord[] {
  return RECORDS.slice(0, count);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Application-level heartbeat of one connection (browsers cannot send ping frames). */
export interface Heartbeat {
  /** A `pong` arrived. */
  readonly pong: () => void;
  /** Stops every timer. */
  readonly stop: () => void;
}

/** Options of `startHeartbeat`. */
export interface HeartbeatOptions {
  readonly intervalMs: number;
  /** How long to wait for a `pong` before declaring the server dead. */
  readonly timeoutMs: number;
  readonly sendPing: () => void;
  /** No pong within `timeoutMs`: the connection is half-open or the server is frozen. */
  readonly onTimeout: () => void;
  /** Round-trip time of the last ping, in milliseconds. */
  readonly onRoundTrip: (rttMs: number) => void;
}

/** Pings every `intervalMs`, one ping outstanding at a time, and watches for the pong. */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  let sentAt: number | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const interval = setInterval(() => {
    if (sentAt !== undefined) return;
    sentAt = Date.now();
    options.sendPing();
    deadline = setTimeout(options.onTimeout, options.timeoutMs);
  }, options.intervalMs);

  return {
    pong() {
      if (sentAt === undefined) return;
      options.onRoundTrip(Date.now() - sentAt);
      sentAt = undefined;
      clearTimeout(deadline);
    },
    stop() {
      clearInterval(interval);
      clearTimeout(deadline);
    },
  };
}

import type { Logger } from '../logger.js';
import type { MetricsRecorder } from './server-metrics.js';

/** Reports the end of one connection: the close code that ended it and the reason. */
export type ConnectionClosedHook = (code: number, reason: string) => void;

/**
 * Counts and logs (at `info`) a connection that was just accepted; returns the
 * hook to call once its socket closed, which counts and logs the close with the
 * connection's lifetime. The hook records once, however often it is called.
 */
export function observeConnection(
  recorder: MetricsRecorder | undefined,
  logger: Logger,
  connectionId: string,
  remoteAddress: string | undefined,
): ConnectionClosedHook {
  const openedAt = performance.now();
  recorder?.connectionOpened();
  logger.info?.('connection opened', { connectionId, remoteAddress });
  let closed = false;
  return (code, reason) => {
    if (closed) return;
    closed = true;
    recorder?.connectionClosed(code);
    logger.info?.('connection closed', { connectionId, code, reason, durationMs: Math.round(performance.now() - openedAt) });
  };
}

import { performance } from 'node:perf_hooks';

import type { Logger } from '../logger.js';
import type { MetricsRecorder } from './server-metrics.js';

/**
 * Counts and logs (at `info`) a connection that was just accepted; returns when
 * (`performance.now()`), for `connectionClosed`. Plain functions: a connection
 * keeps one number for its metrics, no closure.
 */
export function connectionOpened(
  recorder: MetricsRecorder | undefined,
  logger: Logger,
  connectionId: string,
  remoteAddress: string | undefined,
): number {
  recorder?.connectionOpened();
  logger.info?.('connection opened', { connectionId, remoteAddress });
  return performance.now();
}

/** Counts and logs the close of a connection opened at `openedAt`, with the close code that ended it, the reason and its lifetime. */
export function connectionClosed(
  recorder: MetricsRecorder | undefined,
  logger: Logger,
  connectionId: string,
  openedAt: number,
  code: number,
  reason: string,
): void {
  recorder?.connectionClosed(code);
  logger.info?.('connection closed', { connectionId, code, reason, durationMs: Math.round(performance.now() - openedAt) });
}

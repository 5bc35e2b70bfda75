import { stderr } from 'node:process';

/** Structured details attached to a log entry. */
export type LogDetails = Readonly<Record<string, unknown>>;

/** Severity of a log entry, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * Where the server reports what it cannot tell a client (unexpected handler
 * errors, invalid outputs, transport failures) and, when the logger has the
 * optional levels, what operators follow: connections opened and closed
 * (`info`) and requests that failed (`debug`). Every entry is a constant message
 * with structured `details` (`connectionId`, `path`, `code`…). Plug in pino,
 * winston or your own.
 */
export interface Logger {
  /** Something failed that the server could not report to a client: a bug or a broken dependency. */
  readonly error: (message: string, details?: LogDetails) => void;
  /** Something is wrong but handled: a socket error, a peer that missed its heartbeat. */
  readonly warn: (message: string, details?: LogDetails) => void;
  /**
   * Connection lifecycle: `connection opened` (`connectionId`, `remoteAddress`) and
   * `connection closed` (`connectionId`, `code`, `reason`, `durationMs`). Optional:
   * without it the server builds no details for these entries.
   */
  readonly info?: (message: string, details?: LogDetails) => void;
  /**
   * Per-request detail: `request failed` (`connectionId`, `path`, `code`) for every
   * error answer, expected ones included (unexpected errors are also logged at
   * `error`). Optional, and skipped without cost when absent.
   */
  readonly debug?: (message: string, details?: LogDetails) => void;
}

/** Options of `createStderrLogger`. */
export interface StderrLoggerOptions {
  /** The least severe level written; entries below it are not even formatted. Default `'warn'`. */
  readonly level?: LogLevel;
}

const SEVERITY: Readonly<Record<LogLevel, number>> = { error: 0, warn: 1, info: 2, debug: 3 };

function formatDetails(details: LogDetails): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${value instanceof Error ? (value.stack ?? value.message) : JSON.stringify(value)}`)
    .join(' ');
}

function writer(level: LogLevel): (message: string, details?: LogDetails) => void {
  return (message, details) => {
    const suffix = details === undefined ? '' : ` ${formatDetails(details)}`;
    stderr.write(`[wirecall] ${level}: ${message}${suffix}\n`);
  };
}

/**
 * Creates a logger that writes one line per entry on stderr. Levels below
 * `level` are left out of the object, so the server skips them entirely.
 */
export function createStderrLogger(options: StderrLoggerOptions = {}): Logger {
  const threshold = SEVERITY[options.level ?? 'warn'];
  return {
    error: writer('error'),
    warn: writer('warn'),
    ...(threshold >= SEVERITY.info ? { info: writer('info') } : {}),
    ...(threshold >= SEVERITY.debug ? { debug: writer('debug') } : {}),
  };
}

/** The default logger: one line per entry on stderr, errors and warnings only (quiet in tests and demos). */
export const stderrLogger: Logger = createStderrLogger();

/** Structured details attached to a log entry. */
export type LogDetails = Readonly<Record<string, unknown>>;

/**
 * Where the server reports what it cannot tell a client: unexpected handler
 * errors, invalid outputs, transport failures. Plug in pino, winston or your own.
 */
export interface Logger {
  readonly error: (message: string, details?: LogDetails) => void;
  readonly warn: (message: string, details?: LogDetails) => void;
}

function write(level: string, message: string, details: LogDetails | undefined): void {
  const suffix = details === undefined ? '' : ` ${formatDetails(details)}`;
  process.stderr.write(`[wirecall] ${level}: ${message}${suffix}\n`);
}

function formatDetails(details: LogDetails): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${value instanceof Error ? (value.stack ?? value.message) : JSON.stringify(value)}`)
    .join(' ');
}

/** The default logger: one line per entry on stderr. */
export const stderrLogger: Logger = {
  error: (message, details) => {
    write('error', message, details);
  },
  warn: (message, details) => {
    write('warn', message, details);
  },
};

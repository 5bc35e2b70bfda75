import { nanoid } from 'nanoid';

import { CallWindow } from './call-window.js';

/** Bounds of the exactly-once machinery (see `ServerOptions.sessions`). */
export interface SessionOptions {
  /** Mutations remembered per session. Default 256. */
  windowSize?: number;
  /** How long a finished mutation's outcome is kept (ms). Default 2 minutes. */
  windowMs?: number;
  /** How long a session outlives its last connection (ms), waiting for the client to come back. Default 2 minutes. */
  ttlMs?: number;
  /** Most sessions kept without a connection; the oldest is dropped beyond it. Default 10 000. */
  maxDetached?: number;
}

/** Default bounds of sessions. */
export const DEFAULT_SESSION_OPTIONS: Readonly<Required<SessionOptions>> = Object.freeze({
  windowSize: 256,
  windowMs: 120_000,
  ttlMs: 120_000,
  maxDetached: 10_000,
});

/** One client's session: it outlives connections, so a reconnecting client finds its mutations' outcomes. */
export interface Session {
  /** Secret token the client presents in `hello` to resume; never the public connection id. */
  readonly token: string;
  readonly calls: CallWindow;
}

/** A session handed to a connection, and whether it was resumed. */
export interface OpenedSession {
  readonly session: Session;
  readonly resumed: boolean;
}

/** A session as the store keeps it; its record of mutations is made by the first mutation that needs it. */
class StoredSession implements Session {
  readonly token = nanoid();
  connections = 1;
  expiry: ReturnType<typeof setTimeout> | undefined;
  readonly #bounds: Readonly<Required<SessionOptions>>;
  #calls: CallWindow | undefined;

  constructor(bounds: Readonly<Required<SessionOptions>>) {
    this.#bounds = bounds;
  }

  get calls(): CallWindow {
    return (this.#calls ??= new CallWindow(this.#bounds.windowSize, this.#bounds.windowMs));
  }
}

/** The sessions of one server, in memory. */
export interface SessionStore {
  /** Resumes the session of `token` if it is still kept, or opens a new one. The connection holds it until `release`. */
  readonly open: (token: string | undefined) => OpenedSession;
  /** A connection of the session closed; the session expires `ttlMs` after its last connection. */
  readonly release: (session: Session) => void;
  /** Forgets every session and stops their timers. */
  readonly clear: () => void;
}

/** Creates the session store of a server. */
export function createSessionStore(options: SessionOptions = {}): SessionStore {
  const bounds = { ...DEFAULT_SESSION_OPTIONS, ...options };
  const sessions = new Map<string, StoredSession>();
  /** Sessions without a connection, oldest first. */
  const detached = new Set<StoredSession>();

  function drop(session: StoredSession): void {
    clearTimeout(session.expiry);
    detached.delete(session);
    sessions.delete(session.token);
  }

  return {
    open(token) {
      const known = token === undefined ? undefined : sessions.get(token);
      if (known !== undefined) {
        known.connections += 1;
        clearTimeout(known.expiry);
        known.expiry = undefined;
        detached.delete(known);
        return { session: known, resumed: true };
      }
      const session = new StoredSession(bounds);
      sessions.set(session.token, session);
      return { session, resumed: false };
    },
    release(released) {
      const session = sessions.get(released.token);
      if (session === undefined) return;
      session.connections -= 1;
      if (session.connections > 0) return;
      session.expiry = setTimeout(() => {
        drop(session);
      }, bounds.ttlMs);
      session.expiry.unref();
      detached.add(session);
      if (detached.size > bounds.maxDetached) {
        const oldest = detached.values().next();
        if (oldest.done !== true) drop(oldest.value);
      }
    },
    clear() {
      for (const session of sessions.values()) clearTimeout(session.expiry);
      sessions.clear();
      detached.clear();
    },
  };
}

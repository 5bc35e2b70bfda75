import type { IncomingMessage } from 'node:http';

/** Which browser origins may open a WebSocket (Cross-Site WebSocket Hijacking protection). */
export type OriginPolicy =
  | readonly (string | RegExp)[]
  | ((origin: string | undefined, request: IncomingMessage) => boolean);

/** Who may connect, checked at the upgrade before a socket is allocated. */
export interface AdmissionOptions {
  /**
   * Allowed `Origin` values: exact strings (`https://app.example.com`), patterns,
   * or a function. Default: requests without an `Origin` header (non-browser
   * clients) and same-origin requests (the Origin's host equals the Host header).
   */
  allowedOrigins?: OriginPolicy;
  /** Open connections per server; more are refused with HTTP 503. Default 10,000. */
  maxConnections?: number;
  /** Open connections per remote address; more are refused with HTTP 429. Default 256. */
  maxConnectionsPerAddress?: number;
  /**
   * Behind a reverse proxy: take the client address from the first entry of
   * `X-Forwarded-For`. Off by default: anyone can send that header.
   */
  trustProxy?: boolean;
}

/** Default limit of open connections per server. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/** Default limit of open connections per remote address. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

/** Why an upgrade is refused: the HTTP status, a plain-text reason, and which check refused it (for metrics). */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
  readonly kind: 'origin' | 'max_connections' | 'max_connections_per_address';
}

/** Checks and counts connections. */
export interface Admission {
  /** Refuses the request, or reserves its slots and returns the function that frees them (call it when the socket closes). */
  readonly admit: (request: IncomingMessage) => Refusal | (() => void);
  /** The client's address: the socket's, or the proxy-reported one when `trustProxy` is on. */
  readonly remoteAddress: (request: IncomingMessage) => string | undefined;
}

function isSameOrigin(origin: string, request: IncomingMessage): boolean {
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

function isAllowedOrigin(policy: OriginPolicy | undefined, request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (typeof policy === 'function') return policy(origin, request);
  if (origin === undefined) return true;
  if (policy === undefined) return isSameOrigin(origin, request);
  return policy.some((allowed) => (typeof allowed === 'string' ? allowed === origin : allowed.test(origin)));
}

/** Creates the admission control of one server. */
export function createAdmission(options: AdmissionOptions): Admission {
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const maxPerAddress = options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  const perAddress = new Map<string, number>();
  let total = 0;

  function remoteAddress(request: IncomingMessage): string | undefined {
    if (options.trustProxy === true) {
      const forwarded = request.headers['x-forwarded-for'];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
      if (first !== undefined && first !== '') return first;
    }
    return request.socket.remoteAddress;
  }

  return {
    remoteAddress,
    admit(request) {
      if (!isAllowedOrigin(options.allowedOrigins, request)) {
        return { status: 403, reason: `origin ${request.headers.origin ?? '(none)'} is not allowed`, kind: 'origin' };
      }
      if (total >= maxConnections) return { status: 503, reason: 'too many connections', kind: 'max_connections' };
      const address = remoteAddress(request) ?? 'unknown';
      const count = perAddress.get(address) ?? 0;
      if (count >= maxPerAddress) {
        return { status: 429, reason: 'too many connections from this address', kind: 'max_connections_per_address' };
      }
      total += 1;
      perAddress.set(address, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left === 0) perAddress.delete(address);
        else perAddress.set(address, left);
      };
    },
  };
}

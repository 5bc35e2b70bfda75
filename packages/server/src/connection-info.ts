import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** What the server knows about a connection when it builds its context: the upgrade request. */
export interface ConnectionInfo {
  /** Unguessable id of this connection (also in logs). */
  readonly connectionId: string;
  /** The HTTP upgrade request. */
  readonly request: IncomingMessage;
  /** The request URL, parsed (query parameters in `url.searchParams`). */
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** Cookies of the upgrade request, decoded. */
  readonly cookies: Readonly<Record<string, string>>;
  /** The client's address: the socket's, or the first `X-Forwarded-For` entry with `trustProxy`. */
  readonly remoteAddress: string | undefined;
  /**
   * Connection params the client sent in `hello` (or `auth` when it re-authenticates),
   * e.g. `{ token }`: decoded, not validated. `undefined` when it sent none.
   */
  readonly params: unknown;
  /**
   * Declares when the credentials expire. The client is told, so it refreshes them
   * in advance; without a re-authentication by then, the connection closes with 4401.
   */
  readonly expireAt: (at: Date | number) => void;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  if (header === undefined) return cookies;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    const name = pair.slice(0, separator).trim();
    const raw = pair.slice(separator + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      cookies[name] = decodeURIComponent(raw);
    } catch {
      cookies[name] = raw;
    }
  }
  return cookies;
}

/**
 * Parses the request target against a fixed base: the Host header is client
 * controlled and never needed to read the path and query.
 */
export function parseRequestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return new URL('http://localhost/');
  }
}

/** Reads the connection info from an upgrade request and the connection params. */
export function readConnectionInfo(
  connectionId: string,
  request: IncomingMessage,
  remoteAddress: string | undefined,
  params: unknown,
  expireAt: (at: Date | number) => void,
): ConnectionInfo {
  return {
    params,
    expireAt,
    connectionId,
    request,
    url: parseRequestUrl(request),
    headers: request.headers,
    cookies: parseCookies(request.headers.cookie),
    remoteAddress,
  };
}

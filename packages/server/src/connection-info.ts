import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** What the server knows about a connection when it builds its context: the upgrade request. */
export interface ConnectionInfo {
  /** Unguessable id of this connection (also in logs). */
  readonly connectionId: string;
  /**
   * The HTTP upgrade request, when the connection authenticates with `hello`;
   * `undefined` when the client re-authenticates with `auth`: a connection does
   * not hold on to its request (and its socket's HTTP state) for its lifetime.
   * `url`, `headers`, `cookies` and `remoteAddress` are always there.
   */
  readonly request: IncomingMessage | undefined;
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
 * What a connection keeps of its upgrade request, for its context function: the
 * request itself until the first authentication, then only its URL, headers and
 * the client's address.
 */
export class UpgradeRequest {
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The client's address: the socket's, or the first `X-Forwarded-For` entry with `trustProxy`. */
  readonly remoteAddress: string | undefined;
  #request: IncomingMessage | undefined;

  constructor(request: IncomingMessage, remoteAddress: string | undefined) {
    this.#request = request;
    this.url = request.url;
    this.headers = request.headers;
    this.remoteAddress = remoteAddress;
  }

  /** The request, until `forgetRequest()`. */
  get request(): IncomingMessage | undefined {
    return this.#request;
  }

  /** Lets the request go (once the connection authenticated): from now on only its URL, headers and address are kept. */
  forgetRequest(): void {
    this.#request = undefined;
  }
}

/** Parses a request target against a fixed base: the Host header is client controlled and never needed to read the path and query. */
function parseTarget(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return new URL('http://localhost/');
  }
}

/** Parses the URL of an upgrade request (see `parseTarget`). */
export function parseRequestUrl(request: IncomingMessage): URL {
  return parseTarget(request.url);
}

/** Reads the connection info from what the connection kept of its upgrade request and the connection params. */
export function readConnectionInfo(
  connectionId: string,
  upgrade: UpgradeRequest,
  params: unknown,
  expireAt: (at: Date | number) => void,
): ConnectionInfo {
  return {
    params,
    expireAt,
    connectionId,
    request: upgrade.request,
    url: parseTarget(upgrade.url),
    headers: upgrade.headers,
    cookies: parseCookies(upgrade.headers.cookie),
    remoteAddress: upgrade.remoteAddress,
  };
}

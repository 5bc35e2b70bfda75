/** Wire protocol version. Bumped only on wire-breaking changes (package semver is separate). */
export const PROTOCOL_VERSION = 1;

/** Prefix of every subprotocol name Wirecall negotiates. */
export const SUBPROTOCOL_PREFIX = 'wirecall.';

/**
 * The subprotocol offered and selected in `Sec-WebSocket-Protocol`: it names the
 * protocol version and the payload codec, e.g. `wirecall.v1+superjson`.
 */
export function formatSubprotocol(codecName: string): string {
  return `${SUBPROTOCOL_PREFIX}v${String(PROTOCOL_VERSION)}+${codecName}`;
}

/** Whether a subprotocol name claims to be Wirecall (any version, any codec). */
export function isWirecallSubprotocol(name: string): boolean {
  return name.startsWith(SUBPROTOCOL_PREFIX);
}

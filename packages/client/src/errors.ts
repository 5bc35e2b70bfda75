import { RpcError, RpcErrorCode } from '@wirecall/schema';

/** Details of a `CONNECTION_LOST` error. */
export interface ConnectionLostData {
  /** Close code of the socket (1006 when it dropped or was never opened). */
  readonly closeCode: number;
  /** Close reason sent by the server, or what the WebSocket implementation reported. */
  readonly reason: string;
}

/** The error of a request that was live when the connection closed. */
export function connectionLost(data: ConnectionLostData): RpcError<'CONNECTION_LOST', ConnectionLostData> {
  const detail = data.reason === '' ? '' : `: ${data.reason}`;
  return new RpcError(RpcErrorCode.ConnectionLost, `connection closed (${String(data.closeCode)})${detail}`, { data });
}

/** The error of a call whose `AbortSignal` fired. */
export function cancelled(reason: unknown): RpcError<'CANCELLED', undefined> {
  return new RpcError(RpcErrorCode.Cancelled, 'the call was cancelled', { cause: reason });
}

/** The error of a call whose `timeoutMs` passed. */
export function timedOut(timeoutMs: number): RpcError<'TIMEOUT', undefined> {
  return new RpcError(RpcErrorCode.Timeout, `no answer within ${String(timeoutMs)} ms`);
}

/** The error of a mutation interrupted by a dropped connection whose new connection could not resume its session. */
export function outcomeUnknown(): RpcError<'OUTCOME_UNKNOWN', undefined> {
  return new RpcError(
    RpcErrorCode.OutcomeUnknown,
    'the connection dropped while the mutation ran, and the server no longer knows whether it ran',
  );
}

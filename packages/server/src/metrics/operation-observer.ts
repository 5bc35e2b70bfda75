import { MessageType, type ServerMessage } from '@wirecall/schema/protocol';

/** The outcome label of an operation that succeeded (a `result`, or a `complete` for a subscription). */
export const OUTCOME_OK = 'ok';

/**
 * What an operation reports to the metrics of its procedure. Built once per
 * procedure when the server starts, so the hot path does no lookup.
 */
export interface OperationObserver {
  /** An operation of the procedure started; returns its start time, which `end` gets back. */
  readonly start: () => number;
  /** The operation was answered with `outcome`: `ok` or an error code. */
  readonly end: (outcome: string, startedAt: number) => void;
  /** A subscription event of the procedure was written to the socket. */
  readonly eventSent: () => void;
}

/** The outcome an operation's final message stands for: `ok`, or the code of an `error` message. */
export function outcomeOf(message: ServerMessage): string {
  return message.type === MessageType.Error ? message.error.code : OUTCOME_OK;
}

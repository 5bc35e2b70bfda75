import {
  MAX_ID_LENGTH,
  MAX_PATH_LENGTH,
  MAX_TIMEOUT_MS,
  MessageType,
  type ClientMessage,
  type ServerMessage,
  type SubscribeMessage,
} from './messages.js';

/**
 * Hand-written checks for the messages of the hot path (calls, subscriptions
 * and their replies). They accept exactly what the zod schemas of
 * `messages.ts` accept, or return `undefined` and leave the message to zod,
 * which then also writes the error message: the schemas stay the source of
 * truth, and a valid message costs a few `typeof`s instead of a schema walk.
 * Rare shapes (`meta`, handshake messages, `goaway`) always go to zod.
 */

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function isOptionalEventId(value: unknown): value is string | undefined {
  return value === undefined || (typeof value === 'string' && value.length <= MAX_ID_LENGTH);
}

function isOptionalTimeout(value: unknown): value is number | undefined {
  return value === undefined || (Number.isInteger(value) && (value as number) > 0 && (value as number) <= MAX_TIMEOUT_MS);
}

/** A valid client message of the hot path, rebuilt with its known fields only; `undefined` to defer to zod. */
export function readClientEnvelope(raw: Record<string, unknown>): ClientMessage | undefined {
  switch (raw.type) {
    case MessageType.Call:
    case MessageType.Subscribe: {
      const { id, path, input, timeoutMs, lastEventId } = raw;
      if (!isId(id) || typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_LENGTH) return undefined;
      if (raw.meta !== undefined || raw.retry !== undefined || !isOptionalTimeout(timeoutMs)) return undefined;
      // Object literals of fixed shapes, no spreads: this runs for every call.
      if (raw.type === MessageType.Call) {
        return timeoutMs === undefined
          ? { type: MessageType.Call, id, path, input }
          : { type: MessageType.Call, id, path, input, timeoutMs };
      }
      if (!isOptionalEventId(lastEventId)) return undefined;
      const message: SubscribeMessage = { type: MessageType.Subscribe, id, path, input };
      if (timeoutMs !== undefined) message.timeoutMs = timeoutMs;
      if (lastEventId !== undefined) message.lastEventId = lastEventId;
      return message;
    }
    case MessageType.Cancel:
      return isId(raw.id) ? { type: MessageType.Cancel, id: raw.id } : undefined;
    case MessageType.Ping:
      return { type: MessageType.Ping };
    default:
      return undefined;
  }
}

/** A valid server message of the hot path, rebuilt with its known fields only; `undefined` to defer to zod. */
export function readServerEnvelope(raw: Record<string, unknown>): ServerMessage | undefined {
  const { id } = raw;
  switch (raw.type) {
    case MessageType.Result:
      return isId(id) ? { type: MessageType.Result, id, output: raw.output } : undefined;
    case MessageType.Event: {
      const { eventId } = raw;
      if (!isId(id) || !isOptionalEventId(eventId)) return undefined;
      return eventId === undefined
        ? { type: MessageType.Event, id, data: raw.data }
        : { type: MessageType.Event, id, data: raw.data, eventId };
    }
    case MessageType.Error: {
      const error = raw.error as { code?: unknown; message?: unknown; data?: unknown } | null | undefined;
      if (!isId(id) || typeof error !== 'object' || error === null || Array.isArray(error)) return undefined;
      const { code, message, data } = error;
      if (typeof code !== 'string' || code.length === 0 || typeof message !== 'string') return undefined;
      return { type: MessageType.Error, id, error: data === undefined ? { code, message } : { code, message, data } };
    }
    case MessageType.Complete:
      return isId(id) ? { type: MessageType.Complete, id } : undefined;
    case MessageType.Pong:
      return { type: MessageType.Pong };
    default:
      return undefined;
  }
}

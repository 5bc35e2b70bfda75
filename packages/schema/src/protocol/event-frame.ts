import type { Codec } from './codec.js';
import { MessageType } from './messages.js';

/**
 * A payload encoded by itself, as it appears inside a message's JSON text. A
 * server that sends one event to many subscribers encodes its data once with
 * this, then wraps it per subscriber with `encodeEventMessage`. Throws, like
 * `encodeMessage`, when the payload cannot be encoded; returns `undefined` for
 * an `undefined` payload (which a message leaves out).
 */
export function encodePayload(value: unknown, codec: Codec): string | undefined {
  return value === undefined ? undefined : JSON.stringify(codec.encode(value));
}

/**
 * The JSON text of an `event` message around data already encoded by
 * `encodePayload`: the same text `encodeMessage` makes of
 * `{ type: 'event', id, data, eventId }`, without encoding the data again.
 */
export function encodeEventMessage(id: string, encodedData: string | undefined, eventId: string | undefined): string {
  const data = encodedData === undefined ? '' : `,"data":${encodedData}`;
  const tail = eventId === undefined ? '' : `,"eventId":${JSON.stringify(eventId)}`;
  return `{"type":"${MessageType.Event}","id":${JSON.stringify(id)}${data}${tail}}`;
}

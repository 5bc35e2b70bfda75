import type { Codec } from './codec.js';
import { MessageType } from './messages.js';

/*
 * The JSON text of an `event` message in two parts, so that a server sending
 * one event to many subscribers does the work once per part: the head depends
 * only on the subscription, the tail only on the event (and the codec). Their
 * concatenation is the text `encodeMessage` makes of the same message.
 */

/** The start of every `event` message of subscription `id`: `{"type":"event","id":…`. */
export function encodeEventHead(id: string): string {
  return `{"type":"${MessageType.Event}","id":${JSON.stringify(id)}`;
}

/**
 * The rest of an `event` message: its data, encoded by `codec`, and its event id.
 * Throws, like `encodeMessage`, when the data cannot be encoded.
 */
export function encodeEventTail(data: unknown, eventId: string | undefined, codec: Codec): string {
  const encoded = data === undefined ? undefined : JSON.stringify(codec.encode(data));
  const dataField = encoded === undefined ? '' : `,"data":${encoded}`;
  return eventId === undefined ? `${dataField}}` : `${dataField},"eventId":${JSON.stringify(eventId)}}`;
}

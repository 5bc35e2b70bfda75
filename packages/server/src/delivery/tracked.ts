import { MAX_ID_LENGTH, type GapReason } from '@wirecall/schema/protocol';

/**
 * An event with its id, yielded by the handler of a resumable subscription: the
 * client remembers the id of the last event it received and sends it back when
 * it resubscribes, so the handler can continue after it.
 */
export class Tracked<TEvent> {
  /** The event's id: unique and ordered within its stream, at most 128 characters. */
  readonly id: string;
  readonly data: TEvent;

  constructor(id: string, data: TEvent) {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      throw new TypeError(`an event id must be a string of 1 to ${String(MAX_ID_LENGTH)} characters`);
    }
    this.id = id;
    this.data = data;
  }
}

/**
 * Tags `event` with `id`, for handlers that manage their own ids (e.g. database
 * row ids). The client sends the last id it saw as `lastEventId` on resubscribe.
 *
 * @example
 * for (const row of await db.messagesAfter(lastEventId)) yield tracked(String(row.id), row);
 */
export function tracked<TEvent>(id: string, event: TEvent): Tracked<TEvent> {
  return new Tracked(id, event);
}

/**
 * Yielded by a resumable subscription that cannot replay what the client
 * missed: the client receives a typed gap signal (to refetch a snapshot), and
 * the subscription goes on with the events that follow.
 */
export class Gap {
  readonly reason: GapReason;

  constructor(reason: GapReason) {
    this.reason = reason;
  }
}

/** Tells the client that events after its `lastEventId` are lost (`'expired'`) or that the id is not known (`'unknown'`). */
export function gap(reason: GapReason): Gap {
  return new Gap(reason);
}

/** What the handler of a subscription yields: plain events, tracked events, and gaps. */
export type SubscriptionItem<TEvent> = TEvent | Tracked<TEvent> | Gap;

/**
 * The chat's state: in-memory rooms with their messages and members. It lives
 * outside the RPC server, so a restarted server can pick it up again (the tests
 * restart the server on the same rooms, as a real deployment would on its database).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';

import type { Member, Message } from './contract.js';

/** How long a "typing" flag lasts without a repeat. */
export const DEFAULT_TYPING_TIMEOUT_MS = 4000;
/** Messages a room keeps by default; older ones are dropped. */
export const DEFAULT_MAX_MESSAGES_PER_ROOM = 1000;
/** Messages `history` returns when the caller gives no `limit`. */
export const DEFAULT_HISTORY_LIMIT = 50;

/** Events of one room. */
export interface RoomEvents {
  /** A message was posted. */
  message: [Message];
  /** Someone joined, left, started or stopped typing: the new member list. */
  presence: [Member[]];
}

/** A room as the room picker lists it. */
export interface RoomSummary {
  readonly name: string;
  readonly members: number;
  readonly messages: number;
}

/** Options of {@link createChatRooms}. */
export interface ChatRoomsOptions {
  /** How long a typing flag lasts without a repeat. Default 4000 ms. */
  typingTimeoutMs?: number;
  /** Messages each room keeps; a page that missed older ones than that gets an `expired` gap. Default 1000. */
  maxMessagesPerRoom?: number;
}

/**
 * What {@link ChatRooms.messagesAfter} finds: the messages, or why it cannot
 * return them all: `unknown` for an event id these rooms never issued (another
 * database's, or garbled), `expired` when some of the messages after it were
 * already dropped.
 */
export type MessagesAfter =
  | { readonly found: true; readonly messages: Message[] }
  | { readonly found: false; readonly reason: 'unknown' | 'expired' };

interface MemberEntry {
  readonly name: string;
  typing: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Room {
  readonly events: EventEmitter<RoomEvents>;
  readonly messages: Message[];
  /** Members by key (the connection id): a member is there while its presence subscription lives. */
  readonly members: Map<string, MemberEntry>;
  lastId: number;
}

/** The rooms of a chat. */
export interface ChatRooms {
  /** Rooms that have messages or members, by name. */
  readonly list: () => RoomSummary[];
  /** The last `limit` messages of `room` with an id above `afterId`, oldest first. */
  readonly history: (room: string, options?: { afterId?: number | undefined; limit?: number | undefined }) => Message[];
  /**
   * The event id of the message numbered `id` (`0`: before the first one): `<epoch>.<id>`, where the
   * epoch is random per set of rooms, so that an id from another database is not misread as one of
   * these rooms' (message numbers start over at 1 in a new database).
   */
  readonly eventId: (id: number) => string;
  /** The event id of the newest message `room` ever had (before the first one, in an empty room). */
  readonly lastEventId: (room: string) => string;
  /** Every message of `room` after the one `lastEventId` names, oldest first, if the room still has them all. */
  readonly messagesAfter: (room: string, lastEventId: string) => MessagesAfter;
  /** Posts a message and clears the typing flag of the member `memberKey`, if any. */
  readonly post: (room: string, author: string, text: string, memberKey?: string) => Message;
  /** Adds a member to `room`; returns the function that removes it. */
  readonly join: (room: string, memberKey: string, name: string) => () => void;
  /** Sets or clears the typing flag of a member; a flag that is not repeated expires. */
  readonly setTyping: (room: string, memberKey: string, typing: boolean) => void;
  /** The members of `room`, in the order they joined. */
  readonly members: (room: string) => Member[];
  /** The event emitter of `room` (`message`, `presence`). */
  readonly events: (room: string) => EventEmitter<RoomEvents>;
}

/** Creates an empty set of rooms. */
export function createChatRooms(options: ChatRoomsOptions = {}): ChatRooms {
  const typingTimeoutMs = options.typingTimeoutMs ?? DEFAULT_TYPING_TIMEOUT_MS;
  const maxMessages = options.maxMessagesPerRoom ?? DEFAULT_MAX_MESSAGES_PER_ROOM;
  const rooms = new Map<string, Room>();
  /** What every event id of these rooms starts with: a random epoch (base64url, so no dot) and a dot. */
  const eventIdPrefix = `${randomBytes(6).toString('base64url')}.`;

  function eventId(id: number): string {
    return `${eventIdPrefix}${String(id)}`;
  }

  /** The message number an event id of these rooms names, or `undefined` for any other text. */
  function numberOf(lastEventId: string): number | undefined {
    if (!lastEventId.startsWith(eventIdPrefix)) return undefined;
    const digits = lastEventId.slice(eventIdPrefix.length);
    return /^\d{1,15}$/.test(digits) ? Number(digits) : undefined;
  }

  function room(name: string): Room {
    let found = rooms.get(name);
    if (found === undefined) {
      // Every open tab of a room holds two listeners; lift the default cap of 10.
      const events = new EventEmitter<RoomEvents>().setMaxListeners(0);
      found = { events, messages: [], members: new Map(), lastId: 0 };
      rooms.set(name, found);
    }
    return found;
  }

  function members(name: string): Member[] {
    return [...room(name).members.values()].map(({ name: memberName, typing }) => ({ name: memberName, typing }));
  }

  function announce(name: string): void {
    room(name).events.emit('presence', members(name));
  }

  function setTyping(name: string, memberKey: string, typing: boolean): void {
    const member = room(name).members.get(memberKey);
    if (member === undefined) return;
    clearTimeout(member.timer);
    member.timer = typing
      ? setTimeout(() => {
          setTyping(name, memberKey, false);
        }, typingTimeoutMs).unref()
      : undefined;
    if (member.typing === typing) return;
    member.typing = typing;
    announce(name);
  }

  return {
    list: () =>
      [...rooms.entries()]
        .filter(([, { messages, members: present }]) => messages.length > 0 || present.size > 0)
        .map(([name, { messages, members: present }]) => ({ name, members: present.size, messages: messages.length }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    history(name, { afterId = 0, limit = DEFAULT_HISTORY_LIMIT } = {}) {
      return room(name)
        .messages.filter((message) => message.id > afterId)
        .slice(-limit);
    },
    eventId,
    lastEventId: (name) => eventId(room(name).lastId),
    messagesAfter(name, lastEventId) {
      const { messages, lastId } = room(name);
      const afterId = numberOf(lastEventId);
      if (afterId === undefined || afterId > lastId) return { found: false, reason: 'unknown' };
      const oldest = messages[0]?.id ?? lastId + 1;
      if (afterId < oldest - 1) return { found: false, reason: 'expired' };
      return { found: true, messages: messages.filter((message) => message.id > afterId) };
    },
    post(name, author, text, memberKey) {
      const target = room(name);
      const message: Message = { id: ++target.lastId, room: name, author, text, sentAt: new Date() };
      target.messages.push(message);
      if (target.messages.length > maxMessages) target.messages.shift();
      if (memberKey !== undefined) setTyping(name, memberKey, false);
      target.events.emit('message', message);
      return message;
    },
    join(name, memberKey, memberName) {
      const entry: MemberEntry = { name: memberName, typing: false, timer: undefined };
      room(name).members.set(memberKey, entry);
      announce(name);
      return () => {
        clearTimeout(entry.timer);
        // A second join from the same connection replaced this entry: leave that one alone.
        if (room(name).members.get(memberKey) !== entry) return;
        room(name).members.delete(memberKey);
        announce(name);
      };
    },
    setTyping,
    members,
    events: (name) => room(name).events,
  };
}

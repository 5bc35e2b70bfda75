/**
 * The contract of the chat: rooms with a message history, a live message stream
 * and a presence stream (who is in the room, who is typing). Server and browser
 * both import this file; it holds only zod schemas, so it is safe in the page bundle.
 * @module
 */
import { defineContract, mutation, query, subscription } from '@wirecall/schema';
import * as z from 'zod';

/** Longest message the server accepts, in characters (after trimming). */
export const MAX_MESSAGE_LENGTH = 500;
/** Most messages one `history` call returns. */
export const MAX_HISTORY = 100;

/** A room name: letters, digits, `-` and `_`, such as `general`. */
export const RoomName = z
  .string()
  .trim()
  .regex(/^[\w-]{1,32}$/, 'a room name is 1 to 32 letters, digits, "-" or "_"');

/** A display name. */
export const UserName = z.string().trim().min(1).max(32);

/** A chat message. `id` counts up from 1 in each room; the event id of `messages` is made from it. */
export const Message = z.object({
  id: z.number().int().positive(),
  room: z.string(),
  author: z.string(),
  text: z.string(),
  sentAt: z.date(),
});

/** A chat message, as both sides see it. */
export type Message = z.infer<typeof Message>;

/** Someone in a room: there while their presence subscription lives. */
export const Member = z.object({ name: z.string(), typing: z.boolean() });

/** Someone in a room, as both sides see it. */
export type Member = z.infer<typeof Member>;

/** The chat API under the `chat` namespace. */
export const api = defineContract({
  chat: {
    /** Rooms that have messages or members, by name, for the room picker. */
    rooms: query({ output: z.array(z.object({ name: z.string(), members: z.number().int(), messages: z.number().int() })) }),
    /**
     * The latest messages of a room, oldest first; with `afterId`, only the newer ones (catching up).
     * `lastEventId` names the room's newest message: subscribing to `messages` after it misses nothing.
     */
    history: query({
      input: z.object({
        room: RoomName,
        afterId: z.number().int().nonnegative().optional(),
        limit: z.number().int().min(1).max(MAX_HISTORY).optional(),
      }),
      output: z.object({ messages: z.array(Message), lastEventId: z.string() }),
    }),
    /** Posts a message; an empty or too long text fails with BAD_REQUEST (from zod). */
    send: mutation({
      input: z.object({ room: RoomName, author: UserName, text: z.string().trim().min(1).max(MAX_MESSAGE_LENGTH) }),
      output: Message,
    }),
    /**
     * Every new message of a room, live. Resumable: with `lastEventId` (from `history`, or the
     * client's own on a reconnect), the stream first replays the messages after it, or sends a gap:
     * `expired` when the room dropped some of them, `unknown` for an id these rooms never issued
     * (the server started over on a new database).
     */
    messages: subscription({ input: z.object({ room: RoomName }), event: Message, resumable: true }),
    /**
     * Joins `room` as `name` for as long as the subscription lives, and streams the
     * member list (with typing flags) each time it changes, starting with the current one.
     */
    presence: subscription({ input: z.object({ room: RoomName, name: UserName }), event: z.array(Member) }),
    /** Says that this connection's member of `room` is typing; it stops after a few seconds without a repeat. */
    typing: mutation({ input: z.object({ room: RoomName, typing: z.boolean() }) }),
  },
});

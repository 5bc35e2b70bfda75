/**
 * The messages of one room: the history, then every new message live, resumed
 * after a reconnect. The whole message stream of the page lives in this module.
 *
 * How it catches up: `messages` is resumable. The stream starts after the event
 * id of the history's newest message, and the client resubscribes after the last
 * message it delivered, so the server replays what the page missed, even across a
 * server restart. Only a gap (the room dropped those messages, or the server
 * started over on a new database) refetches the history; it is merged by id.
 * @module
 */
import type { BuiltinRpcError } from '@wirecall/schema';
import { useCallback, useEffect, useMemo, useState } from 'react';

import { MAX_HISTORY, type Message } from '../contract.js';
import { rpc } from './rpc.js';

/** What {@link useRoomMessages} returns. */
export interface RoomMessages {
  /** Every message seen so far, oldest first, without duplicates. */
  readonly messages: readonly Message[];
  /** Whether the first history answer is still on its way. */
  readonly loading: boolean;
  /** Why the history or the live stream failed, if one did. */
  readonly error: BuiltinRpcError | undefined;
}

/** Subscribes to the messages of `room` for as long as the component is mounted. Mount one per room (`key={room}`). */
export function useRoomMessages(room: string): RoomMessages {
  const [byId, setById] = useState<ReadonlyMap<number, Message>>(() => new Map());
  // The event id the live stream starts after: the newest message of the room at the first history answer.
  const [startAfter, setStartAfter] = useState<string | undefined>();

  const merge = useCallback((incoming: readonly Message[]) => {
    setById((known) => {
      const fresh = incoming.filter((message) => !known.has(message.id));
      if (fresh.length === 0) return known;
      const next = new Map(known);
      for (const message of fresh) next.set(message.id, message);
      return next;
    });
  }, []);

  // Resuming replaces the refetch on reconnect: only a gap asks for the history again.
  const history = rpc.chat.history.useQuery({ room, limit: MAX_HISTORY }, { refetchOnReconnect: false });
  const { data, refetch } = history;
  useEffect(() => {
    if (data === undefined) return;
    merge(data.messages);
    setStartAfter((known) => known ?? data.lastEventId);
  }, [data, merge]);

  // Subscribing once the history has answered, after its newest id, leaves no window for a message to slip through.
  const live = rpc.chat.messages.useSubscription(
    { room },
    {
      enabled: startAfter !== undefined,
      ...(startAfter === undefined ? {} : { lastEventId: startAfter }),
      onData: (message) => {
        merge([message]);
      },
      onGap: ({ reason }) => {
        // An unknown id means the server started over on a new database: our message ids may name other messages there.
        if (reason === 'unknown') setById(new Map());
        void refetch();
      },
    },
  );

  const messages = useMemo(() => [...byId.values()].sort((a, b) => a.id - b.id), [byId]);
  return { messages, loading: history.status === 'pending', error: history.error ?? live.error };
}

import { createClient } from '@wirecall/client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { WebSocket } from 'ws';

import { createChatRooms, type ChatRooms } from '../src/chat-rooms.js';
import { api } from '../src/contract.js';
import { startChatServer, type ChatServerOptions } from '../src/server.js';

/** Bound of every wait in this file. */
const WAIT = { timeout: 5000, interval: 20 };

async function startChat(options: ChatServerOptions = {}) {
  const server = await startChatServer({ port: 0, ...options });
  onTestFinished(() => server.close());
  return server;
}

function connect(url: string) {
  // Reconnect fast: these tests restart the server under the client.
  const client = createClient(api, { url, WebSocket, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  onTestFinished(() => client.$close());
  return client;
}

/** What a page of the room sees: message ids, and gaps by reason. */
type Item = number | `gap:${string}`;

/** Subscribes to `room` after `lastEventId` and collects what arrives. */
function follow(client: ReturnType<typeof connect>, room: string, lastEventId: string): Item[] {
  const items: Item[] = [];
  const subscription = client.chat.messages.subscribe(
    { room },
    {
      lastEventId,
      onData: (message) => items.push(message.id),
      onGap: ({ reason }) => items.push(`gap:${reason}`),
    },
  );
  onTestFinished(() => {
    subscription.unsubscribe();
  });
  return items;
}

function postMany(rooms: ChatRooms, room: string, count: number): void {
  for (let n = 0; n < count; n += 1) rooms.post(room, 'grace', `message ${String(n)}`);
}

describe('example-chat resumable messages (Node client)', () => {
  it('replays the messages after lastEventId, then goes on live', async () => {
    const server = await startChat();
    postMany(server.rooms, 'general', 3);
    const items = follow(connect(server.rpcUrl), 'general', server.rooms.eventId(1));

    await vi.waitFor(() => {
      expect(items).toEqual([2, 3]);
    }, WAIT);
    server.rooms.post('general', 'ada', 'live');
    await vi.waitFor(() => {
      expect(items).toEqual([2, 3, 4]);
    }, WAIT);
  });

  it('resumes across a server restart on the same rooms without a gap', async () => {
    const rooms = createChatRooms();
    const first = await startChatServer({ port: 0, rooms });
    onTestFinished(() => first.close());
    const client = connect(first.rpcUrl);
    const items = follow(client, 'ops', rooms.lastEventId('ops'));
    rooms.post('ops', 'ada', 'before the restart');
    await vi.waitFor(() => {
      expect(items).toEqual([1]);
    }, WAIT);

    await first.close();
    rooms.post('ops', 'grace', 'while you were away');
    await startChat({ port: first.port, rooms });
    await vi.waitFor(() => {
      expect(items).toEqual([1, 2]);
    }, WAIT);
    rooms.post('ops', 'grace', 'live again');
    await vi.waitFor(() => {
      expect(items).toEqual([1, 2, 3]);
    }, WAIT);
  });

  it('sends an expired gap when the room dropped messages after lastEventId, then goes on live', async () => {
    const server = await startChat({ rooms: createChatRooms({ maxMessagesPerRoom: 2 }) });
    postMany(server.rooms, 'general', 5);
    const items = follow(connect(server.rpcUrl), 'general', server.rooms.eventId(1));

    await vi.waitFor(() => {
      expect(items).toEqual(['gap:expired']);
    }, WAIT);
    server.rooms.post('general', 'ada', 'live');
    await vi.waitFor(() => {
      expect(items).toEqual(['gap:expired', 6]);
    }, WAIT);
  });

  it('sends an unknown gap for an id the room never issued', async () => {
    const server = await startChat();
    postMany(server.rooms, 'general', 2);
    const client = connect(server.rpcUrl);
    const ahead = follow(client, 'general', server.rooms.eventId(3));
    const garbled = follow(client, 'general', 'x.1');
    const bare = follow(client, 'general', '1');

    await vi.waitFor(() => {
      expect(ahead).toEqual(['gap:unknown']);
      expect(garbled).toEqual(['gap:unknown']);
      expect(bare).toEqual(['gap:unknown']);
    }, WAIT);
    server.rooms.post('general', 'ada', 'live');
    await vi.waitFor(() => {
      expect(ahead).toEqual(['gap:unknown', 3]);
    }, WAIT);
  });

  // The client saw messages 1 and 2 of the first rooms. New rooms, empty or already past 2, never
  // issued its last event id: either way it gets `unknown`, not a silent resume.
  it.each([
    { newRooms: 'empty', alreadyPosted: 0 },
    { newRooms: 'already holding 3 messages', alreadyPosted: 3 },
  ])('sends an unknown gap on reconnect when the server restarted on new rooms ($newRooms)', async ({ alreadyPosted }) => {
    const first = await startChatServer({ port: 0 });
    onTestFinished(() => first.close());
    const items = follow(connect(first.rpcUrl), 'ops', first.rooms.lastEventId('ops'));
    postMany(first.rooms, 'ops', 2);
    await vi.waitFor(() => {
      expect(items).toEqual([1, 2]);
    }, WAIT);

    await first.close();
    const rooms = createChatRooms();
    postMany(rooms, 'ops', alreadyPosted);
    await startChat({ port: first.port, rooms });
    await vi.waitFor(() => {
      expect(items).toEqual([1, 2, 'gap:unknown']);
    }, WAIT);
    rooms.post('ops', 'grace', 'live on the new rooms');
    await vi.waitFor(() => {
      expect(items).toEqual([1, 2, 'gap:unknown', alreadyPosted + 1]);
    }, WAIT);
  });
});

import { createClient, isRpcError, RpcErrorCode } from '@wirecall/client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { WebSocket } from 'ws';

import { createChatRooms } from '../src/chat-rooms.js';
import { api, MAX_MESSAGE_LENGTH, type Member, type Message } from '../src/contract.js';
import { startChatServer } from '../src/server.js';

async function startChat() {
  const server = await startChatServer({ port: 0, rooms: createChatRooms({ typingTimeoutMs: 60_000 }) });
  onTestFinished(() => server.close());
  return server;
}

function connect(url: string) {
  // Node 20 has no global WebSocket: pass the one from `ws`.
  const client = createClient(api, { url, WebSocket });
  onTestFinished(() => client.$close());
  return client;
}

describe('example-chat server (Node client)', () => {
  it('posts messages, returns them as history and streams new ones live', async () => {
    const server = await startChat();
    const ada = connect(server.rpcUrl);
    const grace = connect(server.rpcUrl);

    const first = await ada.chat.send.mutate({ room: 'general', author: 'ada', text: '  hello  ' });
    expect(first).toMatchObject({ id: 1, room: 'general', author: 'ada', text: 'hello' });
    expect(first.sentAt).toBeInstanceOf(Date);

    const live: Message[] = [];
    const subscription = grace.chat.messages.subscribe({ room: 'general' }, { onData: (message) => live.push(message) });
    onTestFinished(() => {
      subscription.unsubscribe();
    });
    // The subscription is live once the server has registered it: poll by posting until one arrives.
    await vi.waitFor(
      async () => {
        await ada.chat.send.mutate({ room: 'general', author: 'ada', text: 'ping' });
        expect(live.length).toBeGreaterThan(0);
      },
      { timeout: 5000, interval: 50 },
    );
    const reply = await grace.chat.send.mutate({ room: 'general', author: 'grace', text: 'hi ada' });
    await vi.waitFor(() => {
      expect(live.at(-1)).toEqual(reply);
    });

    const { messages: history, lastEventId } = await grace.chat.history.query({ room: 'general' });
    expect(history[0]).toEqual(first);
    expect(history.at(-1)).toEqual(reply);
    expect(history.map((message) => message.id)).toEqual(history.map((_, index) => index + 1));
    expect(lastEventId).toBe(server.rooms.eventId(reply.id));
    expect(await grace.chat.history.query({ room: 'general', afterId: reply.id - 1 })).toEqual({ messages: [reply], lastEventId });
    expect(await grace.chat.history.query({ room: 'elsewhere' })).toEqual({ messages: [], lastEventId: server.rooms.eventId(0) });
    expect(await ada.chat.rooms.query()).toEqual([{ name: 'general', members: 0, messages: history.length }]);
  });

  it('refuses a message over the length limit with BAD_REQUEST naming the field', async () => {
    const server = await startChat();
    const client = connect(server.rpcUrl);

    const error: unknown = await client.chat.send
      .mutate({ room: 'general', author: 'ada', text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) })
      .catch((caught: unknown) => caught);

    expect(isRpcError(error) && error.code).toBe(RpcErrorCode.BadRequest);
    expect(error).toMatchObject({ data: { issues: [expect.objectContaining({ path: ['text'], code: 'too_big' })] } });
    expect(server.rooms.history('general')).toEqual([]);
  });

  it('tracks presence for as long as the subscription lives, with typing flags', async () => {
    const server = await startChat();
    const ada = connect(server.rpcUrl);
    const grace = connect(server.rpcUrl);
    const seen: Member[][] = [];

    const adaHere = ada.chat.presence.subscribe({ room: 'lab', name: 'ada' }, { onData: () => undefined });
    await vi.waitFor(() => {
      expect(server.rooms.members('lab')).toEqual([{ name: 'ada', typing: false }]);
    });
    const graceHere = grace.chat.presence.subscribe({ room: 'lab', name: 'grace' }, { onData: (members) => seen.push(members) });
    onTestFinished(() => {
      graceHere.unsubscribe();
    });
    await vi.waitFor(() => {
      expect(seen.at(-1)).toEqual([
        { name: 'ada', typing: false },
        { name: 'grace', typing: false },
      ]);
    });

    await ada.chat.typing.mutate({ room: 'lab', typing: true });
    await vi.waitFor(() => {
      expect(seen.at(-1)).toContainEqual({ name: 'ada', typing: true });
    });
    // Posting a message ends the typing flag of its sender.
    await ada.chat.send.mutate({ room: 'lab', author: 'ada', text: 'done typing' });
    await vi.waitFor(() => {
      expect(seen.at(-1)).toContainEqual({ name: 'ada', typing: false });
    });

    adaHere.unsubscribe();
    await vi.waitFor(() => {
      expect(seen.at(-1)).toEqual([{ name: 'grace', typing: false }]);
    });
  });

  it('serves only the page files over plain HTTP', async () => {
    const server = await startChat();

    const missing = await fetch(new URL('/etc/passwd', server.url));
    expect(missing.status).toBe(404);
    const traversal = await fetch(new URL('/..%2fpackage.json', server.url));
    expect(traversal.status).toBe(404);
    const plain = await fetch(new URL('/rpc', server.url));
    expect(plain.status).toBe(426);
  });
});

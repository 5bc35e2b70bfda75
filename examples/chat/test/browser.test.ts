import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createClient } from '@wirecall/client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';

import { buildPage } from '../src/build.js';
import { createChatRooms, type ChatRooms } from '../src/chat-rooms.js';
import { api, MAX_MESSAGE_LENGTH } from '../src/contract.js';
import { startChatServer, type ChatServerOptions } from '../src/server.js';
import { connection, joinRoom, launchBrowser, message, messageTexts, openChat, sendMessage, WAIT_MS } from './browser-fixture.js';

/** The screenshot of a conversation, kept as a test artifact (gitignored). */
const SCREENSHOT = fileURLToPath(new URL('../../../.test-results/chat.png', import.meta.url));

let browser: Browser | undefined;
let pageDir = '';

beforeAll(async () => {
  pageDir = await mkdtemp(join(tmpdir(), 'wirecall-chat-page-'));
  await buildPage({ outdir: pageDir });
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  if (pageDir !== '') await rm(pageDir, { recursive: true, force: true });
}, 15_000);

function openBrowser(): Browser {
  if (browser === undefined) throw new Error('the browser did not start');
  return browser;
}

async function startChat(options: ChatServerOptions = {}) {
  const server = await startChatServer({ port: 0, pageDir, ...options });
  onTestFinished(() => server.close());
  return server;
}

/** The same rooms, counting the `history` queries they answer: a page that resumes asks none. */
function countHistory(rooms: ChatRooms) {
  const queries = { count: 0 };
  const counted: ChatRooms = {
    ...rooms,
    history: (...args) => {
      queries.count += 1;
      return rooms.history(...args);
    },
  };
  return { rooms: counted, queries };
}

async function open(url: string) {
  const chat = await openChat(openBrowser(), url);
  onTestFinished(() => chat.page.context().close());
  return chat;
}

describe('example-chat in Chromium', () => {
  it('shows each page the messages of the other, live and as history', { timeout: 30_000 }, async () => {
    const server = await startChat();
    server.rooms.post('general', 'system', 'welcome to #general');
    const ada = await open(server.url);
    const grace = await open(server.url);

    await joinRoom(ada.page, 'ada', 'general');
    await message(ada.page, 'welcome to #general').waitFor();
    await sendMessage(ada.page, 'hello from ada');
    await message(ada.page, 'hello from ada').waitFor();
    await expect.poll(() => ada.page.getByTestId('message-input').inputValue()).toBe('');

    // Grace joins later: ada's message is history for her, and the next ones arrive live on both pages.
    await joinRoom(grace.page, 'grace', 'general');
    await message(grace.page, 'hello from ada').waitFor();
    await sendMessage(grace.page, 'hi ada, grace here');
    await message(ada.page, 'hi ada, grace here').waitFor();
    await sendMessage(ada.page, 'welcome grace');
    await message(grace.page, 'welcome grace').waitFor();
    await message(ada.page, 'welcome grace').waitFor();

    const expected = ['welcome to #general', 'hello from ada', 'hi ada, grace here', 'welcome grace'];
    expect(await messageTexts(ada.page)).toEqual(expected);
    expect(await messageTexts(grace.page)).toEqual(expected);
    expect(ada.errors).toEqual([]);
    expect(grace.errors).toEqual([]);
  });

  it('shows who is in the room and who is typing on the other page', { timeout: 30_000 }, async () => {
    const server = await startChat();
    const ada = await open(server.url);
    const grace = await open(server.url);
    await joinRoom(ada.page, 'ada', 'lab');
    await joinRoom(grace.page, 'grace', 'lab');
    await ada.page.getByTestId('member').filter({ hasText: 'grace' }).waitFor();

    await sendMessage(ada.page, 'anyone around?');
    await message(grace.page, 'anyone around?').waitFor();
    await sendMessage(grace.page, 'here! reading the protocol spec');
    await message(ada.page, 'here! reading the protocol spec').waitFor();
    await sendMessage(ada.page, 'the chat runs in a real browser now');
    await message(grace.page, 'the chat runs in a real browser now').waitFor();
    await grace.page.getByTestId('message-input').pressSequentially('nice, trying it', { delay: 10 });
    await ada.page.getByTestId('typing').getByText('grace is typing…').waitFor();
    await ada.page.locator('[data-testid="member"][data-typing="true"]', { hasText: 'grace' }).waitFor();
    // The page whose user types does not announce itself to itself.
    expect(await grace.page.getByTestId('typing').textContent()).toBe('');

    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await ada.page.screenshot({ path: SCREENSHOT });

    // Sending ends the typing flag; leaving ends the presence.
    await grace.page.getByTestId('send').click();
    await message(ada.page, 'nice, trying it').waitFor();
    await ada.page.locator('[data-testid="typing"]:empty').waitFor();
    await grace.page.getByTestId('leave').click();
    await ada.page.getByTestId('member').filter({ hasText: 'grace' }).waitFor({ state: 'detached' });
    expect(await ada.page.getByTestId('member').allTextContents()).toEqual(['ada (you)']);
    expect(ada.errors).toEqual([]);
    expect(grace.errors).toEqual([]);
  });

  it('shows the server’s BAD_REQUEST beside the input when a message is too long', { timeout: 30_000 }, async () => {
    const server = await startChat();
    const ada = await open(server.url);
    await joinRoom(ada.page, 'ada', 'general');

    await sendMessage(ada.page, 'x'.repeat(MAX_MESSAGE_LENGTH + 1));

    const error = ada.page.getByTestId('composer').getByTestId('send-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('BAD_REQUEST');
    expect(await error.textContent()).toMatch(/^text: .*500/);
    expect(await ada.page.getByTestId('message-input').getAttribute('aria-invalid')).toBe('true');
    expect(server.rooms.history('general')).toEqual([]);

    // Editing clears the error; a valid message goes through.
    await sendMessage(ada.page, 'short enough');
    await message(ada.page, 'short enough').waitFor();
    expect(await error.count()).toBe(0);
    expect(ada.errors).toEqual([]);
  });

  /**
   * Serves `rooms` (counting history queries), lets ada join `ops` and post a
   * message, then stops the server and waits for the page to say it is reconnecting.
   */
  async function joinThenStop(rooms: ReturnType<typeof createChatRooms>) {
    const { rooms: served, queries } = countHistory(rooms);
    const first = await startChatServer({ port: 0, pageDir, rooms: served });
    onTestFinished(() => first.close());
    const ada = await open(first.url);
    await joinRoom(ada.page, 'ada', 'ops');
    await sendMessage(ada.page, 'before the restart');
    await message(ada.page, 'before the restart').waitFor();
    const queriesOnJoin = queries.count;
    await first.close();
    await connection(ada.page, 'reconnecting');
    return { served, queries, queriesOnJoin, ada, port: first.port };
  }

  it('reconnects after a server restart and resumes where it left off, without refetching the history', { timeout: 40_000 }, async () => {
    // The rooms outlive the server, as a database would.
    const rooms = createChatRooms();
    const { served, queries, queriesOnJoin, ada, port } = await joinThenStop(rooms);
    // Posted while the page is away: the resumed subscription replays it.
    rooms.post('ops', 'grace', 'while you were away');

    const second = await startChat({ port, rooms: served });
    const grace = createClient(api, { url: second.rpcUrl, WebSocket });
    onTestFinished(() => grace.$close());
    await grace.chat.send.mutate({ room: 'ops', author: 'grace', text: 'right after the restart' });

    await connection(ada.page, 'connected', 10_000);
    await message(ada.page, 'right after the restart').waitFor();
    await message(ada.page, 'while you were away').waitFor();
    // The live stream is back too, and so is ada's presence.
    await ada.page.getByTestId('member').filter({ hasText: 'ada' }).waitFor();
    await grace.chat.send.mutate({ room: 'ops', author: 'grace', text: 'live again' });
    await message(ada.page, 'live again').waitFor();
    await sendMessage(ada.page, 'thanks, I am back');
    await expect
      .poll(() => rooms.history('ops').map((posted) => posted.text), { timeout: WAIT_MS })
      .toContain('thanks, I am back');
    // The room has it; the page shows it once the event comes back over the subscription.
    await message(ada.page, 'thanks, I am back').waitFor();

    expect(await messageTexts(ada.page)).toEqual([
      'before the restart',
      'while you were away',
      'right after the restart',
      'live again',
      'thanks, I am back',
    ]);
    // The room kept everything, so the page resumed from its last id and never asked for the history again.
    expect(queriesOnJoin).toBe(1);
    expect(queries.count).toBe(queriesOnJoin);
    // A reconnect may log the failed WebSocket attempts; nothing else may go wrong.
    expect(ada.errors.filter((line) => !line.includes('WebSocket connection to'))).toEqual([]);
  });

  it('refetches the history after a gap, when the room dropped messages the page missed', { timeout: 40_000 }, async () => {
    const rooms = createChatRooms({ maxMessagesPerRoom: 3 });
    const { served, queries, queriesOnJoin, ada, port } = await joinThenStop(rooms);
    // Four messages while the page is away, and the room keeps three: the first one it missed is gone.
    for (const text of ['missed 1', 'missed 2', 'missed 3', 'missed 4']) rooms.post('ops', 'grace', text);

    await startChat({ port, rooms: served });
    await connection(ada.page, 'connected', 10_000);
    await message(ada.page, 'missed 4').waitFor();
    rooms.post('ops', 'grace', 'live again');
    await message(ada.page, 'live again').waitFor();

    expect(await messageTexts(ada.page)).toEqual(['before the restart', 'missed 2', 'missed 3', 'missed 4', 'live again']);
    expect(queries.count).toBe(queriesOnJoin + 1);
    expect(ada.errors.filter((line) => !line.includes('WebSocket connection to'))).toEqual([]);
  });
});

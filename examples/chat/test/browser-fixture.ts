/**
 * Helpers of the browser tests: headless Chromium through playwright-core, and
 * the page's moves (join a room, send a message). Every wait is bounded.
 * @module
 */
import { existsSync } from 'node:fs';

import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** The system Chromium (`apt-get install chromium`); override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Bound of one wait on the page. */
export const WAIT_MS = 5000;

/** Starts headless Chromium, or fails within 20 s with a hint when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 20_000,
  });
}

/** A tab of the chat, with the uncaught errors it reported. */
export interface ChatPage {
  readonly page: Page;
  /** Uncaught exceptions and `console.error` lines of the page. */
  readonly errors: string[];
}

/** Opens the chat at `url` in a fresh browser context (its own storage, like another person). */
export async function openChat(browser: Browser, url: string): Promise<ChatPage> {
  const context = await browser.newContext({ viewport: { width: 960, height: 640 } });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  await connection(page, 'connected');
  return { page, errors };
}

/** Waits until the connection indicator shows `state`. */
export async function connection(page: Page, state: 'connected' | 'reconnecting' | 'offline', timeout = WAIT_MS): Promise<void> {
  await page.locator(`[data-testid="connection"][data-state="${state}"]`).waitFor({ timeout });
}

/** Joins `room` as `name` through the join form, and waits until the history has loaded. */
export async function joinRoom(page: Page, name: string, room: string): Promise<void> {
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('room-input').fill(room);
  await page.getByTestId('join').click();
  await page.locator(`[data-testid="room"][data-room="${room}"]`).waitFor();
  await page.locator('[data-testid="messages"][aria-busy="false"]').waitFor();
}

/** Types `text` into the composer and sends it. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('send').click();
}

/** The message whose text is exactly `text`. */
export function message(page: Page, text: string): Locator {
  const exact = new RegExp(`^${text.replace(/[$()*+.?[\\\]^{|}]/g, '\\$&')}$`);
  return page.getByTestId('message').filter({ has: page.locator('.text', { hasText: exact }) });
}

/** The texts of the messages on the page, in order. */
export function messageTexts(page: Page): Promise<string[]> {
  return page.locator('[data-testid="message"] .text').allTextContents();
}

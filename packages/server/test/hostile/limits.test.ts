import { defineContract, query } from '@wirecall/schema';
import type { CreateServerOptions } from '@wirecall/server';
import { rawClient, startFixtureServer, startTestServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

const api = defineContract({ echo: query({ input: z.unknown(), output: z.unknown() }) });
const quiet = { error: () => undefined, warn: () => undefined };

function start(options: Omit<CreateServerOptions<typeof api, undefined>, 'handlers'> = {}) {
  return startTestServer(api, { logger: quiet, ...options, handlers: { echo: ({ input }) => input } });
}

/** Opens an upgrade with `headers`; resolves with the HTTP status of a refusal, or 101 when accepted. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'wirecall.v1+json', { headers });
    socket.on('unexpected-response', (_request, response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    socket.on('open', () => {
      resolve({ status: 101, socket });
    });
    socket.on('error', () => undefined);
    setTimeout(() => {
      reject(new Error('no answer to the upgrade'));
    }, 2000).unref();
  });
}

describe('Origin checks', () => {
  it('refuses a foreign Origin by default and accepts same-origin and Origin-less requests', async () => {
    const { url, port } = await start();
    expect((await upgradeStatus(url, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await upgradeStatus(url, { origin: `http://127.0.0.1:${String(port)}` })).status).toBe(101);
    expect((await upgradeStatus(url)).status).toBe(101);
  });

  it('follows an allowlist of strings and patterns', async () => {
    const { url } = await start({ allowedOrigins: ['https://app.example.com', /^https:\/\/[a-z0-9]+\.preview\.example\.com$/] });
    expect((await upgradeStatus(url, { origin: 'https://app.example.com' })).status).toBe(101);
    expect((await upgradeStatus(url, { origin: 'https://pr42.preview.example.com' })).status).toBe(101);
    expect((await upgradeStatus(url, { origin: 'https://app.example.com.evil.example' })).status).toBe(403);
  });
});

describe('connection limits', () => {
  it('refuses connections over the per-address limit with 429 and frees the slot on close', async () => {
    const { url } = await start({ maxConnectionsPerAddress: 2 });
    const first = await upgradeStatus(url);
    const second = await upgradeStatus(url);
    expect([first.status, second.status]).toEqual([101, 101]);
    expect((await upgradeStatus(url)).status).toBe(429);
    const closed = new Promise((resolve) => first.socket?.once('close', resolve));
    first.socket?.close();
    await withTimeout(closed, 2000, 'the close');
    await withTimeout(
      (async () => {
        while ((await upgradeStatus(url)).status !== 101) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      2000,
      'the freed slot',
    );
  });

  it('refuses connections over the server limit with 503', async () => {
    const { url } = await start({ maxConnections: 1 });
    expect((await upgradeStatus(url)).status).toBe(101);
    expect((await upgradeStatus(url)).status).toBe(503);
  });

  it('counts by X-Forwarded-For only when trustProxy is on', async () => {
    const trusting = await start({ maxConnectionsPerAddress: 1, trustProxy: true });
    expect((await upgradeStatus(trusting.url, { 'x-forwarded-for': '10.0.0.1' })).status).toBe(101);
    expect((await upgradeStatus(trusting.url, { 'x-forwarded-for': '10.0.0.2, 10.0.0.9' })).status).toBe(101);
    expect((await upgradeStatus(trusting.url, { 'x-forwarded-for': '10.0.0.1' })).status).toBe(429);
    const strict = await start({ maxConnectionsPerAddress: 1 });
    expect((await upgradeStatus(strict.url, { 'x-forwarded-for': '10.0.0.1' })).status).toBe(101);
    expect((await upgradeStatus(strict.url, { 'x-forwarded-for': '10.0.0.2' })).status).toBe(429);
  });
});

describe('rate limit', () => {
  it('answers TOO_MANY_REQUESTS over the limit and closes with 4429 on sustained abuse', async () => {
    const { url } = await start({ rateLimit: { burst: 5, perSecond: 1 } });
    // The hello took one token.
    const raw = await rawClient(url);
    raw.send(Array.from({ length: 5 }, (_, index) => ({ type: 'call', id: String(index), path: 'echo', input: index })));
    const replies = (await raw.nextMessages(5)) as { id: string; error?: { code: string } }[];
    expect(replies.filter((reply) => reply.error?.code === 'TOO_MANY_REQUESTS').map((reply) => reply.id)).toEqual(['4']);
    raw.send(Array.from({ length: 10 }, (_, index) => ({ type: 'call', id: `f${String(index)}`, path: 'echo', input: 1 })));
    await expect(raw.closed()).resolves.toMatchObject({ code: 4429, reason: 'rate limit exceeded' });
  });
});

describe('payload limits', () => {
  it('refuses payloads nested deeper than 64 levels with BAD_REQUEST', async () => {
    const { url } = await start();
    const raw = await rawClient(url);
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    raw.send(`{"type":"call","id":"deep","path":"echo","input":${deep}}`);
    await expect(raw.nextMessage()).resolves.toEqual({
      type: 'error',
      id: 'deep',
      error: { code: 'BAD_REQUEST', message: 'payload nests deeper than 64 levels' },
    });
  });

  it('refuses payloads of more than 100,000 values with BAD_REQUEST before validating them', async () => {
    const { url } = await start();
    const raw = await rawClient(url);
    // The array counts as one value: 99,999 items make exactly the limit.
    raw.send({ type: 'call', id: 'at-limit', path: 'echo', input: new Array<number>(99_999).fill(0) });
    const answer = (await raw.nextMessage()) as { id: string; output: unknown[] };
    expect({ id: answer.id, length: answer.output.length }).toEqual({ id: 'at-limit', length: 99_999 });
    raw.send({ type: 'call', id: 'over', path: 'echo', input: { items: new Array<number>(100_000).fill(0) } });
    await expect(raw.nextMessage()).resolves.toEqual({
      type: 'error',
      id: 'over',
      error: { code: 'BAD_REQUEST', message: 'payload holds more than 100000 values' },
    });
  });

  it('refuses __proto__ keys and never lets constructor or prototype keys reach Object.prototype', async () => {
    const { url } = await start();
    const raw = await rawClient(url, { protocols: ['wirecall.v1+superjson'] });
    raw.send('{"type":"call","id":"p","path":"echo","input":{"json":{"a":{"__proto__":{"polluted":true}}}}}');
    await expect(raw.nextMessage()).resolves.toMatchObject({
      id: 'p',
      error: { code: 'BAD_REQUEST', message: 'payload has a forbidden key "__proto__"' },
    });
    raw.send({
      type: 'call',
      id: 'c',
      path: 'echo',
      input: { json: { constructor: { prototype: { polluted: true } } }, meta: { values: { 'constructor.prototype': ['map'] } } },
    });
    await raw.nextMessage();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('survives a text frame with invalid UTF-8 and keeps serving other connections', async () => {
    const { url } = await startFixtureServer();
    const victim = await rawClient(url);
    const bystander = await rawClient(url);
    victim.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    await expect(victim.closed()).resolves.toMatchObject({ code: 1007 });
    bystander.send({ type: 'call', id: 'b', path: 'ping' });
    await expect(bystander.nextMessage()).resolves.toEqual({ type: 'result', id: 'b', output: 'pong' });
  });
});

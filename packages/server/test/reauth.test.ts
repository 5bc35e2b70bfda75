import { defineContract, query, RpcError, subscription } from '@wirecall/schema';
import { defineMiddleware, type ConnectionInfo, type MiddlewareOptions } from '@wirecall/server';
import { createDeferred, eventually, startTestServer, withTimeout } from '@wirecall/testing';
import { EventEmitter, on } from 'node:events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

type Role = 'admin' | 'user';

function isRole(value: string): value is Role {
  return value === 'admin' || value === 'user';
}

const api = defineContract({
  news: subscription({ event: z.string() }),
  admin: { alerts: subscription({ event: z.string() }) },
  hello: query({ output: z.string() }),
});

const requireAdmin = defineMiddleware(async ({ ctx, next }: MiddlewareOptions<{ role: Role }>) => {
  if (ctx.role !== 'admin') throw new RpcError('FORBIDDEN', 'admins only');
  return next();
});

/** The call context: built per call from the metadata the client sent with it. */
const withLocale = defineMiddleware(async ({ meta, next }: MiddlewareOptions) => next({ locale: meta.locale ?? 'en' }));

async function startServer() {
  const feed = new EventEmitter();
  const started = await startTestServer(api, {
    context: (info: ConnectionInfo) => {
      const { role } = info.params as { role: string };
      if (!isRole(role)) throw new RpcError('FORBIDDEN', `unknown role ${role}`);
      return { role };
    },
    middleware: { admin: [requireAdmin], hello: [withLocale] },
    handlers: {
      news: async function* ({ signal }) {
        feed.emit('started', 'news');
        for await (const [text] of on(feed, 'news', { signal }) as AsyncIterable<[string]>) yield text;
      },
      admin: {
        alerts: async function* ({ signal }) {
          feed.emit('started', 'alerts');
          try {
            for await (const [text] of on(feed, 'alert', { signal }) as AsyncIterable<[string]>) yield text;
          } finally {
            feed.emit('alerts-ended');
          }
        },
      },
      hello: ({ ctx }) => (ctx.locale === 'fr' ? 'bonjour' : 'hello'),
    },
  });
  return { ...started, feed };
}

describe('re-authentication', () => {
  it('keeps allowed subscriptions and ends those the new credentials forbid', async () => {
    const { client, feed } = await startServer();
    let role: Role = 'admin';
    const live = client({ params: () => ({ role }) });
    const news: string[] = [];
    const alertError = createDeferred<unknown>();
    const newsErrors: unknown[] = [];
    const twoStarted = createDeferred();
    let started = 0;
    feed.on('started', () => {
      started += 1;
      if (started === 2) twoStarted.resolve();
    });
    live.news.subscribe(undefined, { onData: (text) => news.push(text), onError: (error) => newsErrors.push(error) });
    live.admin.alerts.subscribe(undefined, { onData: () => undefined, onError: alertError.resolve });
    await withTimeout(twoStarted.promise, 2000, 'both subscriptions');
    // `on()` registers its listener when iteration starts: wait for a round trip before publishing.
    await live.hello.query();
    feed.emit('news', 'first');

    role = 'user';
    const alertsEnded = new Promise((resolve) => feed.once('alerts-ended', resolve));
    await withTimeout(live.$reauthenticate(), 2000, 're-authentication');
    await expect(withTimeout(alertError.promise, 2000, 'the alerts error')).resolves.toMatchObject({
      code: 'FORBIDDEN',
      message: 'admins only',
    });
    await withTimeout(alertsEnded, 2000, 'the alerts generator to finish');

    feed.emit('news', 'second');
    await eventually(() => news.includes('second'), 'news after re-authentication', 2000);
    expect(news).toEqual(['first', 'second']);
    expect(newsErrors).toEqual([]);
    // The news generator was never restarted: one subscription, untouched.
    expect(started).toBe(2);
    // New requests use the new context.
    await expect(
      new Promise((resolve, reject) => {
        live.admin.alerts.subscribe(undefined, { onData: resolve, onError: reject });
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('closes with 4403 when the server refuses the new params', async () => {
    const { client } = await startServer();
    let role = 'user';
    const live = client({ params: () => ({ role }), reconnect: false });
    await live.hello.query();
    role = 'intruder';
    await expect(live.$reauthenticate()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'unknown role intruder',
      data: { closeCode: 4403 },
    });
    expect(live.$status.lastClose).toEqual({ code: 4403, reason: 'unknown role intruder' });
    expect(live.$state).toBe('closed');
  });

  it('gives the context function the upgrade URL, headers and address again, but not the request', async () => {
    const seen: { hasRequest: boolean; path: string; protocol: unknown; remoteAddress: string | undefined }[] = [];
    const { client } = await startTestServer(api, {
      context: (info: ConnectionInfo) => {
        seen.push({
          hasRequest: info.request !== undefined,
          path: info.url.pathname,
          protocol: info.headers['sec-websocket-protocol'],
          remoteAddress: info.remoteAddress,
        });
        return { role: 'user' as Role };
      },
      handlers: {
        news: async function* () {},
        admin: { alerts: async function* () {} },
        hello: () => 'hello',
      },
    });
    const live = client({ params: () => ({ token: 'secret' }) });
    await live.hello.query();
    await withTimeout(live.$reauthenticate(), 2000, 're-authentication');
    expect(seen).toHaveLength(2);
    const [first, second] = seen;
    expect(first?.hasRequest).toBe(true);
    // The connection lets the request go once `hello` is answered: it is not kept for the connection's lifetime.
    expect(second).toEqual({ ...first, hasRequest: false });
    expect(first?.protocol).toEqual(expect.any(String));
    expect(first?.remoteAddress).toEqual(expect.any(String));
  });
});

describe('call context', () => {
  it('builds the call context from per-call metadata', async () => {
    const { client } = await startServer();
    const live = client({ params: () => ({ role: 'user' }) });
    await expect(live.hello.query(undefined, { meta: { locale: 'fr' } })).resolves.toBe('bonjour');
    await expect(live.hello.query()).resolves.toBe('hello');
  });
});

import { createClient } from '@wirecall/client';
import { defineContract, query, RpcError } from '@wirecall/schema';
import { createServer, type ConnectionInfo } from '@wirecall/server';
import { fixtureContract, rawClient, startFixtureServer, startTestServer } from '@wirecall/testing';
import { createServer as createHttpServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

/** Performs an upgrade request and returns the HTTP status and body of the refusal. */
function refusedUpgrade(url: string, protocols: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols);
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    socket.on('open', () => {
      reject(new Error('the upgrade was accepted'));
    });
    socket.on('error', () => undefined);
  });
}

describe('subprotocol negotiation', () => {
  it('selects wirecall.v1+json, wirecall.v1+superjson and wirecall.v1+rich, rich first', async () => {
    const { url } = await startFixtureServer();
    const json = await rawClient(url, { protocols: ['wirecall.v1+json'] });
    expect(json.socket.protocol).toBe('wirecall.v1+json');
    const superjson = await rawClient(url, { protocols: ['chat', 'wirecall.v1+superjson'] });
    expect(superjson.socket.protocol).toBe('wirecall.v1+superjson');
    const rich = await rawClient(url, { protocols: ['wirecall.v1+json', 'wirecall.v1+superjson', 'wirecall.v1+rich'] });
    expect(rich.socket.protocol).toBe('wirecall.v1+rich');
  });

  it('refuses an upgrade that offers no wirecall subprotocol with HTTP 400 and the reason', async () => {
    const { url } = await startFixtureServer();
    await expect(refusedUpgrade(url, ['graphql-transport-ws'])).resolves.toEqual({
      status: 400,
      body: 'Sec-WebSocket-Protocol must offer one of: wirecall.v1+rich, wirecall.v1+superjson, wirecall.v1+json\n',
    });
  });

  it('closes with 4406 and the reason when the client offers an unsupported version', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url, { protocols: ['wirecall.v2+json'], hello: false });
    await expect(raw.closed()).resolves.toEqual({
      code: 4406,
      reason: 'unsupported subprotocol wirecall.v2+json; this server speaks wirecall.v1+rich, wirecall.v1+superjson, wirecall.v1+json',
      wasClean: true,
    });
  });

  it('surfaces the refusal reason to the client as CONNECTION_LOST', async () => {
    const { url } = await startFixtureServer();
    const client = createClient(fixtureContract, {
      url,
      WebSocket,
      codec: { name: 'msgpack', encode: (value) => value, decode: (value) => value },
    });
    await expect(client.ping.query()).rejects.toMatchObject({
      code: 'CONNECTION_LOST',
      data: { closeCode: 4406, reason: expect.stringContaining('unsupported subprotocol wirecall.v1+msgpack') as unknown },
    });
  });

  it('refuses upgrades on other paths with 404 when nothing else handles them', async () => {
    const { url } = await startFixtureServer();
    await expect(refusedUpgrade(`${url}elsewhere`, ['wirecall.v1+json'])).resolves.toMatchObject({ status: 404 });
  });

  it('answers plain HTTP requests with 426 Upgrade Required', async () => {
    const { url } = await startFixtureServer();
    const status = await new Promise<number>((resolve, reject) => {
      request(url.replace('ws:', 'http:'), (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(426);
  });
});

describe('connection context', () => {
  const api = defineContract({ me: query({ output: z.string() }) });

  async function startAuthServer() {
    return startTestServer(api, {
      logger: { error: () => undefined, warn: () => undefined },
      context: ({ headers, cookies }: ConnectionInfo) => {
        if (cookies.session === 'expired') throw new RpcError('UNAUTHORIZED', 'session expired');
        if (headers.authorization === 'Bearer guest') throw new RpcError('FORBIDDEN', 'guests may not connect');
        if (headers.authorization === 'Bearer boom') throw new Error('database down: secret');
        return { user: cookies.session ?? headers.authorization ?? 'anonymous' };
      },
      handlers: { me: ({ ctx }) => ctx.user },
    });
  }

  it('builds the context from headers and cookies of the upgrade request', async () => {
    const { url } = await startAuthServer();
    const socket = new WebSocket(url, 'wirecall.v1+json', { headers: { cookie: 'theme=dark; session=ada%20l' } });
    const reply = await new Promise<string>((resolve, reject) => {
      socket.on('open', () => {
        socket.send(JSON.stringify([{ type: 'hello' }, { type: 'call', id: '1', path: 'me' }]));
      });
      socket.on('message', (data: Buffer) => {
        const text = data.toString('utf8');
        if (!text.includes('"welcome"')) resolve(text);
      });
      socket.on('error', reject);
    });
    socket.close();
    expect(JSON.parse(reply)).toEqual({ type: 'result', id: '1', output: 'ada l' });
  });

  it.each([
    [{ cookie: 'session=expired' }, 4401, 'session expired'],
    [{ authorization: 'Bearer guest' }, 4403, 'guests may not connect'],
    [{ authorization: 'Bearer boom' }, 1011, 'Internal server error'],
  ])('closes with the mapped code when the context function throws (%j)', async (headers, code, reason) => {
    const { url } = await startAuthServer();
    const socket = new WebSocket(url, 'wirecall.v1+json', { headers });
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'hello' }));
    });
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      socket.on('close', (closeCode, closeReason) => {
        resolve({ code: closeCode, reason: closeReason.toString('utf8') });
      });
    });
    expect(closed).toEqual({ code, reason });
  });
});

describe('attach to an existing HTTP server', () => {
  it('shares the port with other routes and serves WebSockets on its path', async () => {
    const api = defineContract({ add: query({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }) });
    const http = createHttpServer((_request, response) => {
      response.end('hello from http');
    });
    const server = createServer(api, { handlers: { add: ({ input }) => input.a + input.b } });
    server.attach(http, { path: '/rpc' });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    try {
      const body = await fetch(`http://127.0.0.1:${String(port)}/health`).then((response) => response.text());
      expect(body).toBe('hello from http');
      const client = createClient(api, { url: `ws://127.0.0.1:${String(port)}/rpc`, WebSocket });
      await expect(client.add.query({ a: 1, b: 41 })).resolves.toBe(42);
      await client.$close();
    } finally {
      await server.close();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe('startup', () => {
  it('throws a clear error listing missing and extra handlers', () => {
    const api = defineContract({ a: query({ output: z.number() }), ns: { b: query({ output: z.number() }) } });
    expect(() =>
      createServer(api, {
        // @ts-expect-error -- `ns.b` is missing and `c` is extra: a compile error as well
        handlers: { a: () => 1, ns: {}, c: () => 2 },
      }),
    ).toThrow('handlers do not match the contract: missing handler for "ns.b"; extra handler "c" is not in the contract');
  });
});

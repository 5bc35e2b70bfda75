import { createClient, jsonCodec, SubscriptionUsageError } from '@wirecall/client';
import { defineContract, query } from '@wirecall/schema';
import { startFixtureServer, startScriptedServer, withTimeout } from '@wirecall/testing';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

/** A server that welcomes, then answers every frame with `reply` (a `Buffer` as a binary frame), to feed the client bad input. */
async function startRogueServer(reply: string | Buffer): Promise<string> {
  return (await startScriptedServer(() => reply)).url;
}

const api = defineContract({ ping: query({ output: z.string() }) });

/** `ws` seen only through the standard interface: with another `binaryType`, the client uses `addEventListener`. */
class StandardWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    this.binaryType = 'arraybuffer';
  }
}

describe.each([
  { name: "ws's EventEmitter side", WebSocketImpl: WebSocket },
  { name: 'the standard addEventListener', WebSocketImpl: StandardWebSocket },
])('client reading frames through $name', ({ WebSocketImpl }) => {
  it('decodes text frames', async () => {
    const url = await startRogueServer('{"type":"result","id":"1","output":"hi é ✓"}');
    const client = createClient(api, { url, WebSocket: WebSocketImpl, codec: jsonCodec });
    await expect(client.ping.query()).resolves.toBe('hi é ✓');
    await client.$close();
  });

  it('closes with 1003 when the server sends a binary frame', async () => {
    const url = await startRogueServer(Buffer.from('{"type":"result","id":"1","output":"hi"}'));
    const client = createClient(api, { url, WebSocket: WebSocketImpl, reconnect: false });
    await expect(client.ping.query()).rejects.toMatchObject({
      code: 'CONNECTION_LOST',
      data: { closeCode: 1003, reason: 'binary frames are not supported' },
    });
  });
});

describe('client robustness', () => {
  it('closes with 4400 and fails pending calls when the server sends a frame that is not JSON', async () => {
    const url = await startRogueServer('definitely not json');
    const client = createClient(api, { url, WebSocket, reconnect: false });
    await expect(client.ping.query()).rejects.toMatchObject({
      code: 'CONNECTION_LOST',
      data: { closeCode: 4400, reason: 'frame is not valid JSON' },
    });
  });

  it('ignores unknown fields of a valid message', async () => {
    const url = await startRogueServer('{"type":"result","id":"1","surprise":true,"output":"hi"}');
    const client = createClient(api, { url, WebSocket, codec: jsonCodec });
    await expect(client.ping.query()).resolves.toBe('hi');
  });

  it('fails only the addressed call when its payload cannot be decoded', async () => {
    const url = await startRogueServer('{"type":"result","id":"1","output":{"$d":"not a time"}}');
    const client = createClient(api, { url, WebSocket });
    await expect(client.ping.query()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(client.$state).toBe('open');
  });

  it('fails a call with INTERNAL_SERVER_ERROR when the reply for its id is malformed', async () => {
    const url = await startRogueServer('{"type":"error","id":"1","error":{"code":5}}');
    const client = createClient(api, { url, WebSocket });
    await expect(client.ping.query()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(client.$state).toBe('open');
  });

  it('rejects a call whose input the codec cannot encode, without sending it', async () => {
    const { openClient } = await startFixtureServer();
    const client = await openClient({ codec: jsonCodec });
    await expect(client.echo.query({ big: 1n })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'the input could not be encoded',
    });
    await expect(client.ping.query()).resolves.toBe('pong');
  });

  it('reports every state change', async () => {
    const { client } = await startFixtureServer();
    const live = client();
    const states: string[] = [];
    live.$onStateChange((state) => states.push(state));
    await live.ping.query();
    await withTimeout(live.$close(), 2000, 'the close');
    expect(states).toEqual(['open', 'closed']);
    await expect(live.$close()).resolves.toBeUndefined();
  });
});

describe('subscriptions on the client', () => {
  it('refuses to iterate a subscription created with callbacks', async () => {
    const { client } = await startFixtureServer();
    const subscription = client().ticks.subscribe(undefined, { onData: () => undefined });
    expect(() => subscription[Symbol.asyncIterator]()).toThrow(SubscriptionUsageError);
    subscription.unsubscribe();
  });

  it('delivers events received before an error, then throws it', async () => {
    const { client } = await startFixtureServer();
    const seen: number[] = [];
    const iterate = async (): Promise<void> => {
      for await (const value of client().count.subscribe({ to: 5, badAt: 4 })) seen.push(value);
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(seen).toEqual([1, 2, 3]);
  });

  it('ends an iteration whose signal is already aborted without contacting the server', async () => {
    const { client, probe } = await startFixtureServer();
    let started = false;
    probe.events.on('generator-start', () => {
      started = true;
    });
    const live = client();
    const seen: number[] = [];
    for await (const value of live.ticks.subscribe(undefined, { signal: AbortSignal.abort() })) seen.push(value);
    await live.ping.query();
    expect(seen).toEqual([]);
    expect(started).toBe(false);
  });
});

describe('browser safety', () => {
  const sourceDir = fileURLToPath(new URL('../src', import.meta.url));
  const schemaDir = fileURLToPath(new URL('../../schema/src', import.meta.url));

  function importsOf(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .flatMap((file) =>
        [...readFileSync(join(dir, file), 'utf8').matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gms)].map(
          (match) => match[1] ?? '',
        ),
      );
  }

  it('the client imports only the schema package and its own modules', () => {
    const external = importsOf(sourceDir).filter((specifier) => !specifier.startsWith('.'));
    expect(new Set(external)).toEqual(new Set(['@wirecall/schema', '@wirecall/schema/protocol']));
  });

  it('the schema package imports only zod and superjson', () => {
    const external = importsOf(schemaDir).filter((specifier) => !specifier.startsWith('.'));
    expect(new Set(external)).toEqual(new Set(['zod', 'superjson']));
  });
});

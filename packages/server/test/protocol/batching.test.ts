import { createClient } from '@wirecall/client';
import { fixtureContract, rawClient, startFixtureServer } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

describe('batching', () => {
  it('coalesces replies produced while a write is pending into batch frames', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    const calls = Array.from({ length: 200 }, (_, index) => ({
      type: 'call',
      id: String(index),
      path: 'add',
      input: { a: index, b: 0 },
    }));
    raw.send(calls);
    let frames = 0;
    const replies: { id: string; output: number }[] = [];
    while (replies.length < calls.length) {
      const frame = await raw.nextMessage();
      frames += 1;
      replies.push(...((Array.isArray(frame) ? frame : [frame]) as { id: string; output: number }[]));
    }
    expect(frames).toBeLessThan(calls.length / 2);
    expect(replies.map((reply) => reply.output).sort((a, b) => a - b)).toEqual(calls.map((_, index) => index));
    for (const reply of replies) expect(reply.output).toBe(Number(reply.id));
  });

  it('sends the first reply of a batch at once and the rest together after it (pipelining beats one big frame)', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    const adds = Array.from({ length: 50 }, (_, index) => ({ type: 'call', id: `a${String(index)}`, path: 'add', input: { a: index, b: 1 } }));
    raw.send(adds);
    const results = adds.map((call, index) => ({ type: 'result', id: call.id, output: index + 1 }));
    await expect(raw.nextMessage()).resolves.toEqual(results[0]);
    await expect(raw.nextMessage()).resolves.toEqual(results.slice(1));
  });

  it('sends the first call a client makes in one tick at once, and the others of that tick as one frame', async () => {
    const { url } = await startFixtureServer();
    const frames: string[] = [];
    // Observe what the client sends by wrapping its WebSocket's send.
    class RecordingWebSocket extends WebSocket {
      override send(data: string): void {
        frames.push(data);
        super.send(data);
      }
    }
    const client = createClient(fixtureContract, { url, WebSocket: RecordingWebSocket });
    await client.ping.query();
    frames.length = 0;
    const results = await Promise.all([client.add.query({ a: 1, b: 1 }), client.ping.query(), client.greet.query({ name: 'x' })]);
    expect(results).toEqual([2, 'pong', 'Hello x']);
    expect(frames.map((frame) => JSON.parse(frame) as unknown)).toEqual([
      { type: 'call', id: expect.any(String), path: 'add', input: { a: 1, b: 1 } },
      [
        { type: 'call', id: expect.any(String), path: 'ping' },
        { type: 'call', id: expect.any(String), path: 'greet', input: { name: 'x' } },
      ],
    ]);
    await client.$close();
  });
});

describe('goaway', () => {
  it('sends goaway, then closes with 1001 when the server shuts down', async () => {
    const { url, server } = await startFixtureServer();
    const raw = await rawClient(url);
    const closing = server.close({ drainTimeoutMs: 20 });
    await expect(raw.nextMessage()).resolves.toEqual({
      type: 'goaway',
      reason: 'server shutting down',
      reconnectWithinMs: 2000,
    });
    await expect(raw.closed()).resolves.toEqual({ code: 1001, reason: 'server shutting down', wasClean: true });
    await closing;
    expect(server.connectionCount).toBe(0);
  });
});

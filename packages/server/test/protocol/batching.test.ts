import { createClient, type Client } from '@wirecall/client';
import { BATCH_FLUSH_LENGTH } from '@wirecall/schema/protocol';
import { fixtureContract, rawClient, startFixtureServer } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

/**
 * A client of a fresh fixture server, connected, with every frame it sends
 * from now on recorded (its WebSocket's `send` is wrapped).
 */
async function recordingClient(): Promise<{ client: Client<typeof fixtureContract>; frames: string[] }> {
  const { url } = await startFixtureServer();
  const frames: string[] = [];
  class RecordingWebSocket extends WebSocket {
    override send(data: string): void {
      frames.push(data);
      super.send(data);
    }
  }
  const client = createClient(fixtureContract, { url, WebSocket: RecordingWebSocket });
  await client.ping.query();
  frames.length = 0;
  return { client, frames };
}

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

  it('sends a long run of replies in parts of about BATCH_FLUSH_LENGTH, in order, so the client starts before the run ends', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    const adds = Array.from({ length: 600 }, (_, index) => ({ type: 'call', id: `a${String(index)}`, path: 'add', input: { a: index, b: 1 } }));
    raw.send(adds);
    const frames: unknown[][] = [];
    let received = 0;
    while (received < adds.length) {
      const frame = await raw.nextMessage();
      const messages = Array.isArray(frame) ? frame : [frame];
      frames.push(messages);
      received += messages.length;
    }
    expect(frames.flat()).toEqual(adds.map((call, index) => ({ type: 'result', id: call.id, output: index + 1 })));
    // The first reply alone, then batches that each reached the flush length (the last one excepted).
    expect(frames[0]).toHaveLength(1);
    const batches = frames.slice(1);
    expect(batches.length).toBeGreaterThan(2);
    const lengths = batches.map((batch) => batch.reduce<number>((sum, message) => sum + JSON.stringify(message).length, 0));
    const longest = Math.max(...frames.flat().map((message) => JSON.stringify(message).length));
    for (const length of lengths.slice(0, -1)) {
      expect(length).toBeGreaterThanOrEqual(BATCH_FLUSH_LENGTH);
      expect(length).toBeLessThan(BATCH_FLUSH_LENGTH + longest);
    }
  });

  it('sends a long synchronous run of calls in parts while the run goes on, not all at its end', async () => {
    const { client, frames } = await recordingClient();
    const pending = Array.from({ length: 600 }, (_, index) => client.add.query({ a: index, b: 1 }));
    // Still inside the run: the first call and every part that reached the flush length have left.
    const sentDuringRun = frames.length;
    expect(sentDuringRun).toBeGreaterThan(2);
    for (const frame of frames.slice(1)) {
      expect(frame.length).toBeGreaterThanOrEqual(BATCH_FLUSH_LENGTH);
      expect(frame.length).toBeLessThan(2 * BATCH_FLUSH_LENGTH);
    }
    await expect(Promise.all(pending)).resolves.toEqual(Array.from({ length: 600 }, (_, index) => index + 1));
    // The end of the run sent the rest, in order.
    expect(frames.length).toBe(sentDuringRun + 1);
    const ids = frames.flatMap((frame) => {
      const parsed = JSON.parse(frame) as { input: { a: number } } | { input: { a: number } }[];
      return (Array.isArray(parsed) ? parsed : [parsed]).map((call) => call.input.a);
    });
    expect(ids).toEqual(Array.from({ length: 600 }, (_, index) => index));
    await client.$close();
  });

  it('sends the first call a client makes in one tick at once, and the others of that tick as one frame', async () => {
    const { client, frames } = await recordingClient();
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

import { defineContract, subscription } from '@wirecall/schema';
import { tracked } from '@wirecall/server';
import { createDeferred, rawClient, startTestServer, withTimeout, type RawClient } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Issue #5: per-subscription overflow policies for slow consumers.

const Numbered = z.object({ seq: z.number().int(), pad: z.string() });
const PAD = 'x'.repeat(1024);
/** Events a finite firehose yields: ~64 MB of frames, far more than loopback's kernel buffers can absorb. */
const TOTAL = 60_000;
const HIGH_WATER_MARK_BYTES = 64 * 1024;
/**
 * What the server may hold for a stalled reader, plus what is in flight: the high-water mark, both
 * kernels' socket buffers (a few MB on loopback) and at most 50 held events. Unbounded, it would be ~64 MB.
 */
const HELD_BOUND_BYTES = 24 * 1024 * 1024;
const SMALL_COUNT = 100;

const api = defineContract({
  latest: subscription({ event: Numbered, overflow: 'latest' }),
  dropOldest: subscription({ event: Numbered, overflow: { policy: 'dropOldest', maxBuffered: 50 } }),
  resumableDropOldest: subscription({ event: Numbered, resumable: true, overflow: { policy: 'dropOldest', maxBuffered: 50 } }),
  endWhenSlow: subscription({ event: Numbered, overflow: 'end' }),
  latestForever: subscription({ event: Numbered, overflow: 'latest' }),
  small: subscription({ event: z.number() }),
});

interface Probe {
  /** Resolves once a finite firehose yielded its last event. */
  readonly produced: Promise<void>;
  /** Resolves once an endless firehose's generator finished (its `finally` ran). */
  readonly stopped: Promise<void>;
}

/** Handlers that produce as fast as they can: no await between events. */
function firehoses() {
  const produced = createDeferred();
  const stopped = createDeferred();
  async function* finite() {
    for (let seq = 1; seq <= TOTAL; seq += 1) yield { seq, pad: PAD };
    produced.resolve();
  }
  async function* endless() {
    try {
      for (let seq = 1; ; seq += 1) yield { seq, pad: PAD };
    } finally {
      stopped.resolve();
    }
  }
  const probe: Probe = { produced: produced.promise, stopped: stopped.promise };
  return {
    probe,
    handlers: {
      latest: finite,
      dropOldest: finite,
      resumableDropOldest: async function* () {
        for await (const event of finite()) yield tracked(String(event.seq), event);
      },
      endWhenSlow: endless,
      latestForever: endless,
      small: async function* () {
        for (let n = 1; n <= SMALL_COUNT; n += 1) yield n;
      },
    },
  };
}

interface WireMessage {
  readonly type: string;
  readonly id?: string;
  readonly data?: { readonly seq: number };
  readonly eventId?: string;
  readonly reason?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Counts the bytes `raw` receives. What a stalled client receives once it reads
 * again is everything the server held for it (frame queue, socket buffer,
 * kernel buffers, held events): that is the bound to check.
 */
function countBytes(raw: RawClient): () => number {
  let received = 0;
  raw.socket.on('message', (data: Buffer) => {
    received += data.length;
  });
  return () => received;
}

/** Resumes reading; returns the messages of subscription `s` up to its final one, and the bytes received meanwhile. */
async function resumeAndRead(raw: RawClient, received: () => number): Promise<{ messages: WireMessage[]; bytes: number }> {
  const before = received();
  raw.socket.resume();
  const messages = await readUntilFinal(raw, 's');
  return { messages, bytes: received() - before };
}

/** Reads messages (batches flattened) until the final message of subscription `id`; returns every message of `id`. */
async function readUntilFinal(raw: RawClient, id: string, timeoutMs = 10_000): Promise<WireMessage[]> {
  const messages: WireMessage[] = [];
  const read = async (): Promise<void> => {
    for (;;) {
      const frame = await raw.nextMessage(timeoutMs);
      for (const message of (Array.isArray(frame) ? frame : [frame]) as WireMessage[]) {
        if (message.id !== id) continue;
        messages.push(message);
        if (message.type === 'complete' || message.type === 'error') return;
      }
    }
  };
  await withTimeout(read(), timeoutMs, `the end of subscription "${id}"`);
  return messages;
}

function seqs(messages: readonly WireMessage[]): number[] {
  return messages.flatMap((message) => (message.type === 'event' && message.data !== undefined ? [message.data.seq] : []));
}

function isIncreasing(values: readonly number[]): boolean {
  return values.every((value, index) => index === 0 || value > (values[index - 1] as number));
}

/** Subscribes, reads the first event, then stops reading: the server's socket buffer fills up. */
async function subscribeAndStall(raw: RawClient, path: string): Promise<WireMessage> {
  raw.send({ type: 'subscribe', id: 's', path });
  const first = (await raw.nextMessage()) as WireMessage | WireMessage[];
  raw.socket.pause();
  return Array.isArray(first) ? (first[0] as WireMessage) : first;
}

/** Another connection, reading normally, gets all of a small subscription while the first one is stalled. */
async function expectOtherConnectionServed(url: string): Promise<void> {
  const other = await rawClient(url, { protocols: ['wirecall.v1+json'] });
  other.send({ type: 'subscribe', id: 'o', path: 'small' });
  const messages = await readUntilFinal(other, 'o', 5000);
  expect(messages.at(-1)).toEqual({ type: 'complete', id: 'o' });
  expect(messages.filter((message) => message.type === 'event').map((message) => message.data)).toEqual(
    Array.from({ length: SMALL_COUNT }, (_, index) => index + 1),
  );
  other.close();
}

/**
 * Subscribes to `path` on a client that reads nothing until the generator has
 * produced every event, checks that another connection is served meanwhile,
 * then reads everything: what was held for the stalled client stays bounded and
 * the subscription completes. Returns every message of the subscription.
 */
async function stallThenRead(path: string): Promise<WireMessage[]> {
  const { probe, handlers } = firehoses();
  const { url } = await startTestServer(api, { sendHighWaterMarkBytes: HIGH_WATER_MARK_BYTES, handlers });
  const raw = await rawClient(url, { protocols: ['wirecall.v1+json'] });
  const received = countBytes(raw);
  const first = await subscribeAndStall(raw, path);
  // The generator is not paused: it runs to its end while the client reads nothing.
  await withTimeout(probe.produced, 10_000, 'the generator to produce every event');
  await expectOtherConnectionServed(url);

  const resumed = await resumeAndRead(raw, received);
  // 60,000 events of 1 KiB were produced; far fewer bytes were held for the stalled client.
  expect(resumed.bytes).toBeLessThan(HELD_BOUND_BYTES);
  const messages = [first, ...resumed.messages];
  expect(messages.at(-1)).toEqual({ type: 'complete', id: 's' });
  return messages;
}

describe('subscription overflow policies', () => {
  it("'latest' keeps pulling, holds only the newest event, and sends it once the client reads again", async () => {
    const messages = await stallThenRead('latest');
    const events = seqs(messages);
    expect(isIncreasing(events)).toBe(true);
    expect(events.at(-1)).toBe(TOTAL);
    expect(events.length).toBeLessThan(TOTAL);
    expect(messages.some((message) => message.type === 'gap')).toBe(false);
  });

  it("'dropOldest' keeps the newest maxBuffered events, in order", async () => {
    const messages = await stallThenRead('dropOldest');
    const events = seqs(messages);
    expect(isIncreasing(events)).toBe(true);
    expect(events.length).toBeLessThan(TOTAL);
    expect(events.slice(-50)).toEqual(Array.from({ length: 50 }, (_, index) => TOTAL - 49 + index));
  });

  it("'dropOldest' on a resumable subscription sends an expired gap before the first event after each drop", async () => {
    const messages = await stallThenRead('resumableDropOldest');
    const gaps = messages.filter((message) => message.type === 'gap');
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps.every((message) => message.reason === 'expired')).toBe(true);
    // Every event follows its predecessor without a hole, or comes right after a gap; and a gap always marks a hole.
    let previous: number | undefined;
    let gapSeen = false;
    for (const message of messages.slice(0, -1)) {
      if (message.type === 'gap') {
        gapSeen = true;
        continue;
      }
      const seq = (message.data as { seq: number }).seq;
      expect(message.eventId).toBe(String(seq));
      if (previous !== undefined) expect({ seq, gap: gapSeen }).toEqual({ seq, gap: seq !== previous + 1 });
      previous = seq;
      gapSeen = false;
    }
    expect(previous).toBe(TOTAL);
  });

  it("'end' ends the subscription with SLOW_CONSUMER, and the connection goes on", async () => {
    const { probe, handlers } = firehoses();
    const { url } = await startTestServer(api, { sendHighWaterMarkBytes: HIGH_WATER_MARK_BYTES, handlers });
    const raw = await rawClient(url, { protocols: ['wirecall.v1+json'] });
    const received = countBytes(raw);
    await subscribeAndStall(raw, 'endWhenSlow');
    // The server ends the subscription (its generator's `finally` runs) while the client still reads nothing.
    await withTimeout(probe.stopped, 10_000, 'the server to end the slow subscription');
    await expectOtherConnectionServed(url);

    const { messages, bytes } = await resumeAndRead(raw, received);
    expect(bytes).toBeLessThan(HELD_BOUND_BYTES);
    expect(messages.at(-1)).toEqual({
      type: 'error',
      id: 's',
      error: { code: 'SLOW_CONSUMER', message: 'the client reads too slowly for this subscription (overflow "end")' },
    });
    expect(isIncreasing(seqs(messages))).toBe(true);
    // Only that subscription ended: the connection still serves requests.
    raw.send({ type: 'subscribe', id: 'after', path: 'small' });
    expect((await readUntilFinal(raw, 'after')).at(-1)).toEqual({ type: 'complete', id: 'after' });
  });

  it('still disconnects with 4499 a client that stays over the high-water mark under a policy that keeps pulling', async () => {
    const { probe, handlers } = firehoses();
    const { url } = await startTestServer(api, {
      sendHighWaterMarkBytes: HIGH_WATER_MARK_BYTES,
      slowConsumerTimeoutMs: 100,
      handlers,
    });
    const raw = await rawClient(url, { protocols: ['wirecall.v1+json'] });
    const received = countBytes(raw);
    await subscribeAndStall(raw, 'latestForever');
    await withTimeout(probe.stopped, 10_000, 'the server to drop the slow consumer');
    const before = received();
    raw.socket.resume();
    await expect(raw.closed(10_000)).resolves.toMatchObject({ code: 4499, reason: 'the client read nothing for 100 ms' });
    // The generator ran on for 100 ms at full speed; what was held for the client stayed bounded.
    expect(received() - before).toBeLessThan(HELD_BOUND_BYTES);
  });
});

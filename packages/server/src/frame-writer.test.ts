import { BATCH_FLUSH_LENGTH, jsonCodec } from '@wirecall/schema/protocol';
import { describe, expect, it } from 'vitest';

import { FrameWriter } from './frame-writer.js';
import type { TransportSocket } from './transport.js';

/**
 * A transport that records what the writer hands it. Unit tests of the writer's
 * turn and backpressure logic only: tests over real sockets cover the rest
 * (batching.test.ts, slow-consumer.test.ts).
 */
class RecordingSocket implements TransportSocket {
  readonly frames: string[] = [];
  /** What each send was handed: text, or bytes (by identity). */
  readonly sent: (string | Uint8Array)[] = [];
  /** Completion callbacks of the writes that passed one, oldest first. */
  readonly callbacks: ((error?: Error | null) => void)[] = [];
  readonly flushes: ((error?: Error | null) => void)[] = [];
  bufferedAmount = 0;
  throws = false;

  send(data: string | Uint8Array, onWritten?: (error?: Error | null) => void): void {
    if (this.throws) throw new Error('broken socket');
    this.sent.push(data);
    this.frames.push(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
    if (onWritten !== undefined) this.callbacks.push(onWritten);
  }

  flush(onFlushed: (error?: Error | null) => void): void {
    this.flushes.push(onFlushed);
  }

  close(): void {}
}

const endOfTurn = (): Promise<void> =>
  new Promise((resolve) => {
    process.nextTick(resolve);
  });

describe('FrameWriter', () => {
  it('sends the first message of a turn at once, without a callback, and the rest as one batch when the turn ends', async () => {
    const socket = new RecordingSocket();
    const writer = new FrameWriter(socket, jsonCodec, 1024);
    writer.writeEncoded('1');
    writer.writeEncoded('2');
    writer.writeEncoded('3');
    expect(socket.frames).toEqual(['1']);
    await endOfTurn();
    expect(socket.frames).toEqual(['1', '[2,3]']);
    expect(socket.callbacks).toHaveLength(0);
  });

  it('sends the bytes of an encoded message as they are when it leaves alone, and its text in a batch', async () => {
    const socket = new RecordingSocket();
    const writer = new FrameWriter(socket, jsonCodec, 1024);
    const bytes = Buffer.from('"é"', 'utf8');
    writer.writeEncoded('"é"', bytes);
    writer.writeEncoded('"ü"', Buffer.from('"ü"', 'utf8'));
    writer.writeEncoded('2');
    await endOfTurn();
    expect(socket.sent[0]).toBe(bytes);
    expect(socket.frames).toEqual(['"é"', '["ü",2]']);
  });

  it('ends a turn begun by its caller when the caller ends it, and the next write goes out at once', async () => {
    const socket = new RecordingSocket();
    const writer = new FrameWriter(socket, jsonCodec, 1024);
    writer.beginTurn();
    writer.writeEncoded('1');
    writer.writeEncoded('2');
    writer.writeEncoded('3');
    expect(socket.frames).toEqual(['1']);
    writer.endTurn();
    expect(socket.frames).toEqual(['1', '[2,3]']);
    // The batch itself started a turn of the event loop: what follows in this tick joins the next batch.
    writer.writeEncoded('4');
    await endOfTurn();
    expect(socket.frames).toEqual(['1', '[2,3]', '4']);
    writer.beginTurn();
    writer.writeEncoded('5');
    writer.endTurn();
    writer.writeEncoded('6');
    expect(socket.frames).toEqual(['1', '[2,3]', '4', '5', '6']);
  });

  it('leaves a turn begun after a write of this tick to the end of the tick', async () => {
    const socket = new RecordingSocket();
    const writer = new FrameWriter(socket, jsonCodec, 1024);
    writer.writeEncoded('1');
    writer.beginTurn();
    writer.writeEncoded('2');
    writer.endTurn();
    expect(socket.frames).toEqual(['1']);
    await endOfTurn();
    expect(socket.frames).toEqual(['1', '2']);
  });

  it('queues behind a write to a backed-up socket until that write completes', async () => {
    const socket = new RecordingSocket();
    const writer = new FrameWriter(socket, jsonCodec, 1024);
    socket.bufferedAmount = 10;
    writer.writeEncoded('1');
    expect(socket.callbacks).toHaveLength(1);
    writer.writeEncoded('2');
    await endOfTurn();
    writer.writeEncoded('3');
    await endOfTurn();
    expect(socket.frames).toEqual(['1']);
    socket.bufferedAmount = 0;
    socket.callbacks[0]?.();
    expect(socket.frames).toEqual(['1', '[2,3]']);
  });

  it('sends a part of a long turn as soon as BATCH_FLUSH_LENGTH is queued, except behind a write to a backed-up socket', async () => {
    const socket = new RecordingSocket();
    const writer = new FrameWriter(socket, jsonCodec, 1024 * 1024);
    const half = `"${'x'.repeat(BATCH_FLUSH_LENGTH / 2)}"`;
    writer.writeEncoded('1');
    writer.writeEncoded(half);
    expect(socket.frames).toEqual(['1']);
    writer.writeEncoded(half);
    expect(socket.frames).toEqual(['1', `[${half},${half}]`]);
    // The socket backs up: the next part goes with a completion callback, and what follows waits for it, however long it grows.
    socket.bufferedAmount = 10;
    writer.writeEncoded('2');
    writer.writeEncoded(half);
    writer.writeEncoded(half);
    expect(socket.frames[2]).toBe(`[2,${half},${half}]`);
    expect(socket.callbacks).toHaveLength(1);
    writer.writeEncoded(half);
    writer.writeEncoded(half);
    await endOfTurn();
    expect(socket.frames).toHaveLength(3);
    socket.bufferedAmount = 0;
    socket.callbacks[0]?.();
    expect(socket.frames.slice(3)).toEqual([`[${half},${half}]`]);
  });

  it('flushes the socket for a waiter that no write in flight would wake', async () => {
    const socket = new RecordingSocket();
    const writer = new FrameWriter(socket, jsonCodec, 100);
    writer.writeEncoded('x'.repeat(200));
    // The frame went out to an idle socket, without a callback, and stayed in its buffer.
    socket.bufferedAmount = 200;
    await endOfTurn();
    let released = false;
    const waiting = writer.writable().then(() => {
      released = true;
    });
    expect(socket.flushes).toHaveLength(1);
    socket.flushes[0]?.();
    await endOfTurn();
    // Still over the mark: the writer flushes again instead of releasing.
    expect(released).toBe(false);
    expect(socket.flushes).toHaveLength(2);
    socket.bufferedAmount = 0;
    socket.flushes[1]?.();
    await waiting;
    expect(released).toBe(true);
  });

  it('ends the turn of every other writer when one socket throws', async () => {
    const broken = new RecordingSocket();
    const healthy = new RecordingSocket();
    const first = new FrameWriter(broken, jsonCodec, 1024);
    const second = new FrameWriter(healthy, jsonCodec, 1024);
    first.writeEncoded('a');
    first.writeEncoded('b');
    second.writeEncoded('c');
    second.writeEncoded('d');
    broken.throws = true;
    await endOfTurn();
    expect(healthy.frames).toEqual(['c', 'd']);
    // The broken writer is closed: it accepts nothing more.
    broken.throws = false;
    first.writeEncoded('e');
    await endOfTurn();
    expect(broken.frames).toEqual(['a']);
  });
});

/**
 * The server half of a run, in its own process: serves one peer on a loopback
 * port and answers the harness's commands (statistics, broadcasting, memory).
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';

import { loadPeer } from './harness.js';
import { serveCommands } from './ipc.js';
import { nowUs, type PeerServer } from './peer.js';

const http = createServer({ noDelay: true });
const sockets = new Set<Socket>();
let bytesWrittenByClosed = 0;
let peerServer: PeerServer | undefined;

http.on('connection', (socket) => {
  sockets.add(socket);
  socket.once('close', () => {
    sockets.delete(socket);
    bytesWrittenByClosed += socket.bytesWritten;
  });
});

function started(): PeerServer {
  if (peerServer === undefined) throw new Error('no peer started');
  return peerServer;
}

/** Largest outgoing buffer of one TCP socket, in bytes. */
function largestSocketBuffer(): number {
  let largest = 0;
  for (const socket of sockets) largest = Math.max(largest, socket.writableLength);
  return largest;
}

let sampler: NodeJS.Timeout | undefined;
let largestSampled = 0;

interface Broadcaster {
  running: boolean;
  count: number;
  done: Promise<void>;
}
let broadcaster: Broadcaster | undefined;
let seq = 0;

/** Limits of the saturating broadcaster: it waits while any connection holds more. */
export interface SaturateLimits {
  readonly socketBytes: number;
  readonly queuedEvents: number;
}

async function saturate(state: Broadcaster, server: PeerServer, limits: SaturateLimits): Promise<void> {
  while (state.running) {
    const backlogged = largestSocketBuffer() >= limits.socketBytes || (server.backlog?.() ?? 0) >= limits.queuedEvents;
    if (!backlogged) {
      server.broadcast({ seq: seq++, sentAt: nowUs() });
      state.count += 1;
    }
    await yieldToIo();
  }
}

async function pace(state: Broadcaster, server: PeerServer, intervalMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!state.running) {
        clearInterval(timer);
        resolve();
        return;
      }
      server.broadcast({ seq: seq++, sentAt: nowUs() });
      state.count += 1;
    }, intervalMs);
  });
}

/** Bytes V8 has committed to its young generation (both semi-spaces). */
function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/** Where the filler's arrays go, so that the compiler cannot drop them. */
const filler: { last?: number[] } = {};

/**
 * Allocates three times the young generation's size in short-lived 16 KB arrays.
 * That makes every page of it resident. V8 sizes it (1 to 32 MB) by the process's
 * allocation history, and a page it has touched stays resident until it shrinks the
 * generation, so which pages are resident when RSS is read would vary from process
 * to process: by up to 16 KB per connection at 2,000 connections, more than a
 * connection holds.
 */
function fillYoungGeneration(): void {
  const chunk = 2048;
  const bytes = 3 * youngGenerationBytes();
  for (let filled = 0; filled < bytes; filled += chunk * 8) filler.last = new Array<number>(chunk).fill(filled);
  delete filler.last;
}

const commands = {
  async start({ peer, highWaterMarkBytes }: { peer: string; highWaterMarkBytes: number }) {
    peerServer = await (await loadPeer(peer)).serve(http, { highWaterMarkBytes });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    return { url: `ws://127.0.0.1:${String(port)}${peerServer.path ?? '/'}` };
  },
  stats() {
    let bytesWritten = bytesWrittenByClosed;
    for (const socket of sockets) bytesWritten += socket.bytesWritten;
    return { connections: sockets.size, bytesWritten, subscribers: started().subscribers() };
  },
  /** Starts sampling the largest socket buffer every millisecond. */
  startSampling() {
    largestSampled = 0;
    sampler = setInterval(() => {
      largestSampled = Math.max(largestSampled, largestSocketBuffer());
    }, 1);
  },
  /** Stops sampling; returns the largest socket buffer seen, in bytes. */
  stopSampling() {
    clearInterval(sampler);
    return { largestSocketBufferBytes: largestSampled };
  },
  broadcast(options: { mode: 'saturate'; limits: SaturateLimits } | { mode: 'paced'; intervalMs: number }) {
    const server = started();
    const state: Broadcaster = { running: true, count: 0, done: Promise.resolve() };
    state.done = options.mode === 'saturate' ? saturate(state, server, options.limits) : pace(state, server, options.intervalMs);
    broadcaster = state;
  },
  async stopBroadcast() {
    if (broadcaster === undefined) return { broadcasts: 0 };
    broadcaster.running = false;
    await broadcaster.done;
    const { count } = broadcaster;
    broadcaster = undefined;
    return { broadcasts: count };
  },
  /**
   * Collects garbage, then reports memory and the number of open TCP connections.
   * First it touches every page of V8's young generation (see `fillYoungGeneration`),
   * so that `rss - youngBytes` is the resident memory outside it.
   */
  async memory() {
    fillYoungGeneration();
    for (let round = 0; round < 4; round++) {
      globalThis.gc?.();
      await yieldToIo();
    }
    const { heapUsed, rss } = process.memoryUsage();
    return { heapUsed, rss, youngBytes: youngGenerationBytes(), connections: sockets.size };
  },
};

/** The commands of the server process, for the harness's typed calls. */
export type ServerCommands = typeof commands;

serveCommands(commands);

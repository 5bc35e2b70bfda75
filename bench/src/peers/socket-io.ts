/**
 * socket.io 4 with acknowledgements, WebSocket transport only, no validation,
 * dates as ISO strings. Broadcasts go to a room (socket.io encodes them once).
 * @module
 */
import { once } from 'node:events';

import { Server, type Socket as ServerSocket } from 'socket.io';
import { io } from 'socket.io-client';

import { nowUs, takeRecords, type AddInput, type BenchEvent, type Peer } from '../peer.js';
import { EVENTS_PER_TURN, nextTurn } from '../peer-kit.js';

const TICKER_ROOM = 'ticker';

/** Packets engine.io holds for a connection. Its typings mark the field private; it is how engine.io buffers. */
function queuedPackets(socket: ServerSocket): number {
  return (socket.conn as unknown as { writeBuffer: readonly unknown[] }).writeBuffer.length;
}

/**
 * Pushes events until stopped. engine.io holds packets in `writeBuffer` while
 * the previous batch is being written, then writes the whole buffer at once,
 * so the loop lets it hold at most half the high-water mark and waits for its `drain`.
 */
async function push(socket: ServerSocket, streams: Set<string>, id: string, highWaterMarkBytes: number): Promise<void> {
  const conn = socket.conn;
  const frameBytes = JSON.stringify(['event', id, { seq: 1_000_000, sentAt: nowUs() }]).length + 2;
  const maxPackets = Math.max(1, Math.floor(highWaterMarkBytes / 2 / frameBytes));
  let seq = 0;
  while (streams.has(id) && socket.connected) {
    if (queuedPackets(socket) >= maxPackets) await once(conn, 'drain');
    socket.emit('event', id, { seq: seq++, sentAt: nowUs() });
    if (seq % EVENTS_PER_TURN === 0) await nextTurn();
  }
}

export const peer: Peer = {
  label: 'socket.io 4 (acks, websocket only)',
  serve(http, { highWaterMarkBytes }) {
    const server = new Server(http, { transports: ['websocket'], serveClient: false });
    server.on('connection', (socket) => {
      const streams = new Set<string>();
      socket.on('add', ({ a, b }: AddInput, ack: (sum: number) => void) => {
        ack(a + b);
      });
      socket.on('records', ({ count }: { count: number }, ack: (records: unknown) => void) => {
        ack(takeRecords(count));
      });
      socket.on('stream', (id: string) => {
        streams.add(id);
        push(socket, streams, id, highWaterMarkBytes).catch(() => undefined);
      });
      socket.on('ticker', () => {
        void socket.join(TICKER_ROOM);
      });
      socket.on('stop', (id: string) => {
        streams.delete(id);
        void socket.leave(TICKER_ROOM);
      });
      socket.on('disconnect', () => {
        streams.clear();
      });
    });
    return {
      path: '/socket.io/',
      broadcast(event) {
        server.to(TICKER_ROOM).emit('tick', event);
      },
      subscribers: () => server.sockets.adapter.rooms.get(TICKER_ROOM)?.size ?? 0,
      backlog() {
        let largest = 0;
        for (const socket of server.sockets.sockets.values()) largest = Math.max(largest, queuedPackets(socket));
        return largest;
      },
    };
  },
  async connect(url) {
    const { origin } = new URL(url);
    const socket = io(origin.replace(/^ws/, 'http'), { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve).once('connect_error', reject);
    });
    let nextId = 0;
    return {
      add: (input) => socket.emitWithAck('add', input) as Promise<number>,
      records: (count) => socket.emitWithAck('records', { count }),
      stream(onEvent) {
        const id = String(nextId++);
        socket.on('event', (eventId: string, event: BenchEvent) => {
          if (eventId === id) onEvent(event);
        });
        socket.emit('stream', id);
        return () => {
          socket.emit('stop', id);
          socket.off('event');
        };
      },
      ticker(onEvent) {
        socket.on('tick', onEvent);
        socket.emit('ticker');
        return () => {
          socket.emit('stop', '');
          socket.off('tick');
        };
      },
      close: () => {
        socket.disconnect();
      },
    };
  },
};

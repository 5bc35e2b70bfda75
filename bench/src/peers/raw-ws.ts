/**
 * The floor: `ws` with a hand-written JSON envelope, one frame per message, no
 * validation, dates as ISO strings. Every other peer's figures are divided by this one's.
 * @module
 */
import type { Socket } from 'node:net';

import { WebSocket, WebSocketServer } from 'ws';

import { nowUs, takeRecords, type AddInput, type BenchEvent, type Peer } from '../peer.js';
import { EVENTS_PER_TURN, nextTurn, waitWritable } from '../peer-kit.js';

/** Client to server: `{ id, m, p? }`. */
interface Request {
  readonly id: number;
  readonly m: 'add' | 'records' | 'stream' | 'ticker' | 'stop';
  readonly p?: unknown;
}

/** Server to client: a result `{ id, r }`, an event `{ id, e }`, or a broadcast `{ t, e }`. */
interface Reply {
  readonly id?: number;
  readonly t?: 'tick';
  readonly r?: unknown;
  readonly e?: BenchEvent;
}

export const peer: Peer = {
  label: 'raw ws (JSON envelope)',
  serve(http, { highWaterMarkBytes }) {
    const wss = new WebSocketServer({ server: http });
    const tickers = new Set<WebSocket>();

    /** Pushes events until stopped, waiting whenever the socket holds `highWaterMarkBytes`. */
    async function push(ws: WebSocket, socket: Socket, id: number, streams: Set<number>): Promise<void> {
      let seq = 0;
      while (streams.has(id) && ws.readyState === WebSocket.OPEN) {
        if (socket.writableLength >= highWaterMarkBytes) await waitWritable(socket, highWaterMarkBytes);
        ws.send(JSON.stringify({ id, e: { seq: seq++, sentAt: nowUs() } }));
        if (seq % EVENTS_PER_TURN === 0) await nextTurn();
      }
    }

    wss.on('connection', (ws, request) => {
      const streams = new Set<number>();
      ws.on('error', () => undefined);
      ws.on('message', (data) => {
        const message = JSON.parse((data as Buffer).toString()) as Request;
        switch (message.m) {
          case 'add': {
            const { a, b } = message.p as AddInput;
            ws.send(JSON.stringify({ id: message.id, r: a + b }));
            break;
          }
          case 'records':
            ws.send(JSON.stringify({ id: message.id, r: takeRecords((message.p as { count: number }).count) }));
            break;
          case 'stream':
            streams.add(message.id);
            void push(ws, request.socket, message.id, streams);
            break;
          case 'ticker':
            tickers.add(ws);
            break;
          case 'stop':
            streams.delete(message.id);
            tickers.delete(ws);
            break;
        }
      });
      ws.on('close', () => {
        streams.clear();
        tickers.delete(ws);
      });
    });

    return {
      broadcast(event) {
        const frame = JSON.stringify({ t: 'tick', e: event });
        for (const ws of tickers) ws.send(frame);
      },
      subscribers: () => tickers.size,
    };
  },

  async connect(url) {
    const ws = new WebSocket(url);
    const pending = new Map<number, (value: unknown) => void>();
    const listeners = new Map<number, (event: BenchEvent) => void>();
    let onTick: ((event: BenchEvent) => void) | undefined;
    let nextId = 0;

    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const reply = JSON.parse((data as Buffer).toString()) as Reply;
      if (reply.e !== undefined) {
        if (reply.t === 'tick') onTick?.(reply.e);
        else listeners.get(reply.id ?? -1)?.(reply.e);
        return;
      }
      const id = reply.id ?? -1;
      const resolve = pending.get(id);
      pending.delete(id);
      resolve?.(reply.r);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve).once('error', reject);
    });

    function call(m: Request['m'], p: unknown): Promise<unknown> {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, m, p }));
      });
    }
    function open(m: 'stream' | 'ticker', onEvent: (event: BenchEvent) => void): () => void {
      const id = nextId++;
      listeners.set(id, onEvent);
      ws.send(JSON.stringify({ id, m }));
      return () => {
        listeners.delete(id);
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id, m: 'stop' }));
      };
    }

    return {
      add: (input) => call('add', input) as Promise<number>,
      records: (count) => call('records', { count }),
      stream: (onEvent) => open('stream', onEvent),
      ticker(onEvent) {
        onTick = onEvent;
        return open('ticker', onEvent);
      },
      close: () => {
        ws.close();
      },
    };
  },
};

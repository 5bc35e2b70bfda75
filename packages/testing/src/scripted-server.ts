import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { WebSocketServer } from 'ws';

/** A hand-driven WebSocket server: it speaks only the handshake, and lets a test script the rest. */
export interface ScriptedServer {
  /** `ws://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every message a client sent after its `hello`, parsed, in arrival order. */
  readonly received: { readonly type: string; readonly id?: string }[];
}

/**
 * Starts a server on 127.0.0.1 that answers `hello` with a `welcome`, records every other message,
 * and answers each with `reply(message)` when that returns something (a `Buffer` goes as a binary
 * frame). Used to feed the client bad input, or to see exactly what it sends. Stopped after the test.
 */
export async function startScriptedServer(
  reply: (message: { readonly type: string; readonly id?: string }) => string | Buffer | undefined = () => undefined,
): Promise<ScriptedServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (offered) => [...offered][0] ?? false });
  const welcome = JSON.stringify({
    type: 'welcome',
    connectionId: 'scripted',
    heartbeatIntervalMs: 0,
    limits: { maxPayloadBytes: 1 << 20, maxInFlightCalls: 10, maxSubscriptions: 10 },
  });
  const received: ScriptedServer['received'] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string; id?: string };
      if (message.type === 'hello') {
        socket.send(welcome);
        return;
      }
      received.push(message);
      const answer = reply(message);
      if (answer !== undefined) socket.send(answer);
    });
  });
  await once(wss, 'listening');
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => {
          resolve();
        });
      }),
  );
  return { url: `ws://127.0.0.1:${String((wss.address() as AddressInfo).port)}`, received };
}

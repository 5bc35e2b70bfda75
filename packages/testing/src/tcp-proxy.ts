import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { onTestFinished } from 'vitest';

/** A loopback TCP proxy a test controls: to drop connections abruptly or freeze them (half-open). */
export interface TcpProxy {
  /** `ws://127.0.0.1:<proxy port>/`. */
  readonly url: string;
  /** Stops forwarding bytes in both directions without closing anything: the peer looks alive but mute. */
  readonly freeze: () => void;
  /** Forwards bytes again (new data only; what arrived while frozen is dropped). */
  readonly thaw: () => void;
  /** Destroys every proxied connection at once (no close frame, no FIN handshake on the WebSocket level). */
  readonly dropAll: () => void;
  /**
   * Forwards `bytes` more bytes (both directions together), then cuts every
   * connection there, usually in the middle of a frame. Set while no
   * connection is open, it cuts the next one (during its handshake or resubscription).
   */
  readonly cutAfter: (bytes: number) => void;
  /** Number of client connections accepted so far. */
  readonly accepted: () => number;
  /** The proxy's own port. */
  readonly port: number;
  /** Sends the connections accepted from now on to `127.0.0.1:targetPort` (another server instance). */
  readonly retarget: (targetPort: number) => void;
}

/** Starts a proxy to `127.0.0.1:targetPort`, closed when the test finishes. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
  let accepted = 0;
  let budget: number | undefined;
  let target = targetPort;
  const dropAll = (): void => {
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
  };
  const server = createServer((client) => {
    accepted += 1;
    const upstream = connect(target, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (frozen) return;
        if (budget !== undefined && chunk.length >= budget) {
          const cut = budget;
          budget = undefined;
          to.write(chunk.subarray(0, cut), dropAll);
          return;
        }
        if (budget !== undefined) budget -= chunk.length;
        to.write(chunk);
      });
      from.on('close', () => {
        pairs.delete(pair);
        to.destroy();
      });
      from.on('error', () => {
        to.destroy();
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(async () => {
    dropAll();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${String(port)}/`,
    port,
    retarget(next) {
      target = next;
    },
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
    },
    dropAll,
    cutAfter(bytes) {
      budget = bytes;
    },
    accepted: () => accepted,
  };
}

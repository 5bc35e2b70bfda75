import { createClient, type Client, type ClientOptions } from '@wirecall/client';
import type { Contract } from '@wirecall/schema';
import {
  createServer,
  type CreateServerOptions,
  type MiddlewareMap,
  type NoMiddleware,
  type RpcServer,
} from '@wirecall/server';
import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';

import { createDeferred, withTimeout } from './deferred.js';

/** A server on 127.0.0.1, port 0, closed (with every client it made) when the test finishes. */
export interface TestServer<TContract extends Contract, TContext> {
  readonly server: RpcServer<TContract, TContext>;
  readonly url: string;
  readonly port: number;
  /** A client of this server (Node `ws` as WebSocket), closed when the test finishes. */
  readonly client: (options?: Partial<ClientOptions>) => Client<TContract>;
  /** A client whose socket is open. */
  readonly openClient: (options?: Partial<ClientOptions>) => Promise<Client<TContract>>;
}

/** Starts a server for one test. */
export async function startTestServer<
  TContract extends Contract,
  TContext = undefined,
  const TMiddleware extends MiddlewareMap = NoMiddleware,
>(contract: TContract, options: CreateServerOptions<TContract, TContext, TMiddleware>): Promise<TestServer<TContract, TContext>> {
  const server = createServer(contract, options);
  const { url, port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const clients: Client<TContract>[] = [];
  onTestFinished(async () => {
    await withTimeout(Promise.all(clients.map((client) => client.$close())), 5000, 'the test clients to close');
    // Raw test clients never acknowledge goaway: do not wait for them to drain.
    await withTimeout(server.close({ drainTimeoutMs: 0 }), 5000, 'the test server to close');
  });

  function client(clientOptions: Partial<ClientOptions> = {}): Client<TContract> {
    const created = createClient(contract, { url, WebSocket, ...clientOptions });
    clients.push(created);
    return created;
  }

  return {
    server,
    url,
    port,
    client,
    async openClient(clientOptions) {
      const created = client(clientOptions);
      const open = createDeferred();
      const stop = created.$onStateChange((state) => {
        if (state === 'open') open.resolve();
        else open.reject(new Error(`client went ${state} before opening`));
      });
      try {
        await withTimeout(open.promise, 2000, 'the client to connect');
      } finally {
        stop();
      }
      return created;
    },
  };
}

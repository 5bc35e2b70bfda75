/**
 * The demo (`pnpm demo`): starts the todo server on a free loopback port, runs
 * the client flow against it, then shuts both down.
 * @module
 */
import { runClientFlow } from './client.js';
import { startServer } from './server.js';

const { server, url } = await startServer({ host: '127.0.0.1', port: 0 });
console.log(`server listening on ${url}`);
try {
  await runClientFlow(url);
} finally {
  await server.close();
  console.log('client and server closed');
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';

import { withTimeout } from '@wirecall/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

/** The Redis server binary (`apt-get install redis-server`); override with REDIS_SERVER. */
const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/** A Redis server of one test file, on loopback, without persistence. */
export interface RedisServer {
  readonly port: number;
  /** A connection to it, closed after the file's tests; `port` to connect through something else (a proxy). */
  readonly connect: (port?: number, user?: { readonly username: string; readonly password: string }) => Redis;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

/** Resolves once the server answers PING. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.on('error', () => { resolve(false); });
    socket.on('close', () => { resolve(false); });
  });
}

async function startRedisProcess(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const failed = new Promise<never>((_, reject) => {
    child.on('error', (error) => {
      reject(new Error(`could not start ${REDIS_SERVER} (install it with \`apt-get install -y redis-server\`, or set REDIS_SERVER): ${error.message}`));
    });
    child.on('exit', (code) => { reject(new Error(`${REDIS_SERVER} exited with ${String(code)}`)); });
  });
  const ready = (async () => {
    while (!(await answersPing(port))) await new Promise((resolve) => setTimeout(resolve, 20));
  })();
  await withTimeout(Promise.race([ready, failed]), 5000, 'redis-server to start');
  failed.catch(() => undefined);
  return { child, port };
}

/** Starts a Redis server before the file's tests and stops it after them. */
export function useRedisServer(): RedisServer {
  let started: { child: ChildProcess; port: number } | undefined;
  const connections: Redis[] = [];
  beforeAll(async () => {
    started = await startRedisProcess();
  });
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    if (started !== undefined && started.child.exitCode === null) {
      started.child.kill('SIGKILL');
      await once(started.child, 'exit');
    }
  });
  return {
    get port() {
      if (started === undefined) throw new Error('the Redis server is not started yet');
      return started.port;
    },
    connect(port, user) {
      const connection = new Redis(port ?? this.port, '127.0.0.1', { maxRetriesPerRequest: 3, ...user });
      connections.push(connection);
      return connection;
    },
  };
}

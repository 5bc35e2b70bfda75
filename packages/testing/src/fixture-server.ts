import { RpcError, type ConnectionInfo, type CreateServerOptions, type Logger, type LogDetails } from '@wirecall/server';
import { on, EventEmitter } from 'node:events';

import { fixtureContract } from './fixture-contract.js';
import { startTestServer, type TestServer } from './start-test-server.js';

/** What the fixture handlers let a test observe. */
export interface FixtureProbe {
  /** Emits `abort` with the procedure path and the abort reason whenever a handler's signal aborts. */
  readonly events: EventEmitter;
  /** Publishes a chat message to subscribers of `chat.messages`. */
  readonly publish: (room: string, text: string) => void;
  /** Number of `chat.messages` / `count` / `ticks` generators currently running. */
  readonly liveGenerators: number;
  /** Every entry the server logged. */
  readonly logs: { level: string; message: string; details: LogDetails | undefined }[];
}

export interface FixtureServer extends TestServer<typeof fixtureContract, { user: string | null }> {
  readonly probe: FixtureProbe;
}

/** Server options a test may override on the fixture server. */
export type FixtureLimits = Pick<
  CreateServerOptions<typeof fixtureContract, unknown>,
  'maxInFlightCalls' | 'maxSubscriptions' | 'maxPayloadBytes' | 'helloTimeoutMs' | 'heartbeatIntervalMs' | 'maxConnectionsPerAddress'
>;

/** Starts the fixture contract's server with handlers that report what happens to them. */
export async function startFixtureServer(limits: FixtureLimits = {}): Promise<FixtureServer> {
  const events = new EventEmitter();
  const chat = new EventEmitter();
  // One listener per subscription to a room: tests that open many of them are not leaking.
  chat.setMaxListeners(0);
  const logs: FixtureProbe['logs'] = [];
  let liveGenerators = 0;
  let nextMessageId = 0;
  const logger: Logger = {
    error: (message, details) => logs.push({ level: 'error', message, details }),
    warn: (message, details) => logs.push({ level: 'warn', message, details }),
  };
  const watch = (path: string, signal: AbortSignal): void => {
    signal.addEventListener('abort', () => events.emit('abort', path, signal.reason));
  };
  async function* generator<T>(path: string, body: () => AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
    liveGenerators += 1;
    events.emit('generator-start', path);
    try {
      yield* body();
    } finally {
      liveGenerators -= 1;
      events.emit('finally', path);
    }
  }

  const started = await startTestServer(fixtureContract, {
    ...limits,
    logger,
    context: ({ url }: ConnectionInfo) => ({ user: url.searchParams.get('user') }),
    handlers: {
      ping: () => 'pong' as const,
      greet: ({ input }) => `Hello ${input.name}`,
      add: ({ input }) => input.a + input.b,
      echo: ({ input }) => input,
      wait: async ({ input, signal, path }) => {
        watch(path, signal);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, input.ms);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason as Error);
          });
        });
        return 'done' as const;
      },
      whoami: ({ ctx }) => ({ user: ctx.user }),
      fail: ({ input }) => {
        switch (input.mode) {
          case 'rpc':
            throw new RpcError('FORBIDDEN', 'not for you');
          case 'crash':
            throw new Error('secret database password in this message');
          case 'undeclared':
            throw new RpcError('NOT_DECLARED', 'nope');
          case 'bad-output':
            return 42 as never;
          case 'client-code':
            throw new RpcError('CONNECTION_LOST', 'a downstream connection dropped');
        }
      },
      admin: {
        users: {
          list: () => ['ada', 'grace'],
          rename: ({ input }) => ({ renamed: input.from !== input.to }),
        },
      },
      rooms: {
        join: ({ input, errors }) => {
          if (input.room === 'full') throw errors.ROOM_FULL({ capacity: 2 }, 'room is full');
          if (input.room === 'bad-data') throw errors.ROOM_FULL({ capacity: 'two' } as never);
          return { members: 1 };
        },
      },
      chat: {
        messages: ({ input, signal, path }) => {
          watch(path, signal);
          return generator(path, async function* () {
            for await (const [message] of on(chat, input.room, { signal }) as AsyncIterable<[unknown]>) {
              yield message as never;
            }
          });
        },
      },
      count: ({ input, path, signal }) => {
        watch(path, signal);
        return generator(path, function* () {
          for (let value = 1; value <= input.to; value += 1) {
            yield (value === input.badAt ? 'bad' : value) as number;
          }
        });
      },
      ticks: ({ signal, path }) => {
        watch(path, signal);
        return generator(path, async function* () {
          let value = 0;
          for (;;) {
            yield value;
            value += 1;
            await new Promise((resolve) => setImmediate(resolve));
          }
        });
      },
    },
  });
  return {
    ...started,
    probe: {
      events,
      logs,
      publish(room, text) {
        nextMessageId += 1;
        chat.emit(room, { id: nextMessageId, room, text, at: new Date(Date.UTC(2026, 0, 1)) });
      },
      get liveGenerators() {
        return liveGenerators;
      },
    },
  };
}

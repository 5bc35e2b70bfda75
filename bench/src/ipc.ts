/**
 * Request/response over the IPC channel between the harness and its child
 * processes: the parent calls a named command, the child answers it.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';

interface CommandMessage {
  readonly id: number;
  readonly command: string;
  readonly args: unknown;
}

interface ReplyMessage {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** The commands a child process answers: name → handler of its arguments. */
export type Commands = Record<string, (args: never) => unknown>;

/** A child process seen from the parent. */
export interface Child<TCommands extends Commands> {
  readonly call: <TName extends keyof TCommands & string>(
    command: TName,
    ...args: Parameters<TCommands[TName]> extends [] ? [] : Parameters<TCommands[TName]>
  ) => Promise<Awaited<ReturnType<TCommands[TName]>>>;
  /** Process id, for CPU accounting. */
  readonly pid: number;
  /** Ends the process (asks first, kills after 5 s) and resolves once it exited. */
  readonly kill: () => Promise<void>;
}

/**
 * Starts `file` as a child process (with `execArgv`) that answers commands through
 * {@link serveCommands}; with `cpu`, the process (all its threads) runs on that CPU only,
 * through `taskset`, which then execs Node in its place (same pid, same IPC channel).
 */
export function spawnChild<TCommands extends Commands>(file: string, execArgv: readonly string[], cpu?: number): Child<TCommands> {
  const child: ChildProcess = fork(file, [], {
    execPath: cpu === undefined ? process.execPath : 'taskset',
    execArgv: cpu === undefined ? [...execArgv] : ['-c', String(cpu), process.execPath, ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      for (const { reject } of pending.values()) reject(new Error(`${file} exited (${String(code ?? signal)})`));
      pending.clear();
      resolve();
    });
  });
  child.on('message', (message: ReplyMessage) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error === undefined) waiter?.resolve(message.result as never);
    else waiter?.reject(new Error(message.error));
  });
  return {
    pid: child.pid ?? 0,
    call(command, ...args) {
      return new Promise((resolve, reject) => {
        if (exited) {
          reject(new Error(`${file} has exited`));
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, command, args: args[0] } satisfies CommandMessage);
      });
    },
    async kill() {
      // Disconnecting lets the child exit by itself, so `--cpu-prof` can write its profile.
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Answers the parent's commands in a child process, one at a time in arrival order. */
export function serveCommands(commands: Commands): void {
  let queue = Promise.resolve();
  process.once('disconnect', () => process.exit(0));
  process.on('message', (message: CommandMessage) => {
    queue = queue.then(async () => {
      const handler = commands[message.command];
      let reply: ReplyMessage;
      try {
        if (handler === undefined) throw new Error(`unknown command ${message.command}`);
        reply = { id: message.id, result: await handler(message.args as never) };
      } catch (error) {
        reply = { id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      process.send?.(reply);
    });
  });
}

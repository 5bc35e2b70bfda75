import { defineContract, query } from '@wirecall/schema';
import { createStderrLogger, stderrLogger, type LogDetails, type Logger, type RpcError } from '@wirecall/server';
import { createDeferred, rawClient, startTestServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

const api = defineContract({
  lookup: query({ input: z.object({ key: z.string() }), output: z.string(), errors: { MISSING: z.object({ key: z.string() }) } }),
});

interface Entry {
  readonly level: string;
  readonly message: string;
  readonly details: LogDetails | undefined;
}

function capturingLogger(): { logger: Logger; entries: Entry[]; closed: Promise<void> } {
  const entries: Entry[] = [];
  const closed = createDeferred();
  const record = (level: string) => (message: string, details?: LogDetails) => {
    entries.push({ level, message, details });
    if (message === 'connection closed') closed.resolve();
  };
  return {
    logger: { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug') },
    entries,
    closed: withTimeout(closed.promise, 2000, 'the "connection closed" entry'),
  };
}

const handlers = {
  lookup: ({ input, errors }: { input: { key: string }; errors: { MISSING: (data: { key: string }) => RpcError } }) => {
    if (input.key === 'missing') throw errors.MISSING({ key: input.key });
    if (input.key === 'crash') throw new Error('secret');
    return input.key;
  },
};

describe('structured logging', () => {
  it('logs connections opened and closed at info, and failed requests at debug, with structured fields', async () => {
    const { logger, entries, closed } = capturingLogger();
    const { url } = await startTestServer(api, { logger, handlers });
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: '1', path: 'lookup', input: { key: 'present' } });
    raw.send({ type: 'call', id: '2', path: 'lookup', input: { key: 'missing' } });
    raw.send({ type: 'call', id: '3', path: 'lookup', input: { key: 'crash' } });
    await raw.nextMessages(3);
    raw.send({ type: 'hello' });
    expect((await raw.closed()).code).toBe(4400);
    await closed;

    const opened = entries.find((entry) => entry.message === 'connection opened');
    expect(opened).toEqual({
      level: 'info',
      message: 'connection opened',
      details: { connectionId: expect.stringMatching(/^[\w-]{21}$/) as unknown, remoteAddress: '127.0.0.1' },
    });
    const connectionId = opened?.details?.['connectionId'];
    expect(entries.filter((entry) => entry.level === 'debug')).toEqual([
      { level: 'debug', message: 'request failed', details: { connectionId, path: 'lookup', code: 'MISSING' } },
      { level: 'debug', message: 'request failed', details: { connectionId, path: 'lookup', code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    // The unexpected error is still logged at error, with its cause, before it is masked.
    expect(entries.filter((entry) => entry.level === 'error')).toEqual([
      { level: 'error', message: 'handler of "lookup" failed', details: { path: 'lookup', error: new Error('secret') } },
    ]);
    expect(entries.at(-1)).toEqual({
      level: 'info',
      message: 'connection closed',
      details: {
        connectionId,
        code: 4400,
        reason: '"hello" may be sent only once; send "auth" to re-authenticate',
        durationMs: expect.any(Number) as unknown,
      },
    });
  });

  it('still works with a logger that has only error and warn', async () => {
    const errors: string[] = [];
    const logger: Logger = { error: (message) => errors.push(message), warn: (message) => errors.push(message) };
    const { url } = await startTestServer(api, { logger, handlers });
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: '1', path: 'lookup', input: { key: 'missing' } });
    expect(await raw.nextMessage()).toMatchObject({ error: { code: 'MISSING' } });
    expect(errors).toEqual([]);
  });
});

describe('createStderrLogger', () => {
  it('leaves out the levels below its threshold, so the server skips them; the default is quiet below warn', () => {
    expect(stderrLogger.info).toBeUndefined();
    expect(stderrLogger.debug).toBeUndefined();
    expect(createStderrLogger({ level: 'info' }).debug).toBeUndefined();
    expect(createStderrLogger({ level: 'info' }).info).toBeTypeOf('function');
    expect(createStderrLogger({ level: 'debug' }).debug).toBeTypeOf('function');
  });

  it('writes one line per entry with its details', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      createStderrLogger({ level: 'debug' }).debug?.('request failed', { path: 'a.b', code: 'NOT_FOUND' });
      expect(write).toHaveBeenCalledWith('[wirecall] debug: request failed path="a.b" code="NOT_FOUND"\n');
    } finally {
      write.mockRestore();
    }
  });
});

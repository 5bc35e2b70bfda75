import { rawClient, startFixtureServer } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';

describe('call', () => {
  it('answers a call with a result carrying the same id', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: 'a1', path: 'add', input: { a: 2, b: 3 } });
    await expect(raw.nextMessage()).resolves.toEqual({ type: 'result', id: 'a1', output: 5 });
  });

  it('answers every message of a batch frame', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send([
      { type: 'call', id: '1', path: 'ping' },
      { type: 'call', id: '2', path: 'add', input: { a: 1, b: 1 } },
      { type: 'ping' },
    ]);
    expect(await raw.nextMessages(3)).toEqual(
      expect.arrayContaining([
        { type: 'result', id: '1', output: 'pong' },
        { type: 'result', id: '2', output: 2 },
        { type: 'pong' },
      ]),
    );
  });

  it.each(['nope', '__proto__', 'constructor', 'toString', 'admin', 'admin.users', 'greet.name'])(
    'answers NOT_FOUND for the path %j',
    async (path) => {
      const { url } = await startFixtureServer();
      const raw = await rawClient(url);
      raw.send({ type: 'call', id: 'x', path });
      await expect(raw.nextMessage()).resolves.toMatchObject({ type: 'error', id: 'x', error: { code: 'NOT_FOUND' } });
    },
  );

  it('answers METHOD_NOT_SUPPORTED when the message kind does not match the procedure', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send({ type: 'subscribe', id: 's', path: 'ping' });
    raw.send({ type: 'call', id: 'c', path: 'ticks' });
    await expect(raw.nextMessage()).resolves.toEqual({
      type: 'error',
      id: 's',
      error: { code: 'METHOD_NOT_SUPPORTED', message: '"ping" is a query: send "call", not "subscribe"' },
    });
    await expect(raw.nextMessage()).resolves.toMatchObject({ id: 'c', error: { code: 'METHOD_NOT_SUPPORTED' } });
  });

  it('rejects a second request with a live id with CONFLICT and lets the first finish', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: 'dup', path: 'wait', input: { ms: 100 } });
    raw.send({ type: 'call', id: 'dup', path: 'ping' });
    await expect(raw.nextMessage()).resolves.toEqual({
      type: 'error',
      id: 'dup',
      error: { code: 'CONFLICT', message: 'id "dup" is already used by a live request' },
    });
    await expect(raw.nextMessage()).resolves.toEqual({ type: 'result', id: 'dup', output: 'done' });
  });

  it('answers BAD_REQUEST with the zod issues for an invalid input', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: 'v', path: 'add', input: { a: 'one' } });
    await expect(raw.nextMessage()).resolves.toMatchObject({
      id: 'v',
      error: {
        code: 'BAD_REQUEST',
        message: 'input failed validation',
        data: { issues: [{ path: ['a'], code: 'invalid_type' }, { path: ['b'] }] },
      },
    });
  });

  it('answers BAD_REQUEST when a procedure without input receives one', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: 'p', path: 'ping', input: 1 });
    await expect(raw.nextMessage()).resolves.toMatchObject({
      error: { code: 'BAD_REQUEST', message: 'this procedure takes no input' },
    });
  });

  it('ends the call with TIMEOUT when timeoutMs passes', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: 't', path: 'wait', input: { ms: 10_000 }, timeoutMs: 20 });
    await expect(raw.nextMessage()).resolves.toEqual({
      type: 'error',
      id: 't',
      error: { code: 'TIMEOUT', message: 'deadline of 20 ms exceeded' },
    });
  });
});

describe('cancel', () => {
  it('sends nothing more for a cancelled call and ignores unknown ids', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send({ type: 'call', id: 'slow', path: 'wait', input: { ms: 10_000 } });
    raw.send({ type: 'cancel', id: 'slow' });
    raw.send({ type: 'cancel', id: 'never-existed' });
    raw.send({ type: 'call', id: 'after', path: 'ping' });
    await expect(raw.nextMessage()).resolves.toEqual({ type: 'result', id: 'after', output: 'pong' });
    raw.send({ type: 'ping' });
    await expect(raw.nextMessage()).resolves.toEqual({ type: 'pong' });
  });
});

describe('subscribe', () => {
  it('streams events and then complete for the same id', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send({ type: 'subscribe', id: 's1', path: 'count', input: { to: 2 } });
    expect(await raw.nextMessages(3)).toEqual([
      { type: 'event', id: 's1', data: 1 },
      { type: 'event', id: 's1', data: 2 },
      { type: 'complete', id: 's1' },
    ]);
  });
});

describe('malformed messages', () => {
  it.each([
    ['a frame that is not JSON', '{"type":', 'frame is not valid JSON'],
    ['an empty batch', '[]', 'a batch frame must hold at least one message'],
    ['a message that is not an object', '"call"', 'a message must be an object, got string'],
    ['a message without a readable id', '{"type":"call","path":"ping"}', 'invalid "call" message: `id`: Invalid input: expected string, received undefined'],
    ['an unknown type without an id', '{"type":"bonjour"}', '`type` must be a known message type, got "bonjour"'],
    ['a second hello', '{"type":"hello"}', '"hello" may be sent only once; send "auth" to re-authenticate'],
  ])('closes with 4400 for %s', async (_name, frame, reason) => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send(frame);
    await expect(raw.closed()).resolves.toMatchObject({ code: 4400, reason });
  });

  it.each([
    ['an unknown type', { type: 'explode', id: 'm' }, '`type` must be a known message type, got "explode"'],
    ['a path that is not a string', { type: 'call', id: 'm', path: 7 }, 'invalid "call" message: `path`: Invalid input: expected string, received number'],
    ['a negative timeoutMs', { type: 'call', id: 'm', path: 'ping', timeoutMs: -1 }, 'invalid "call" message: `timeoutMs`: Too small: expected number to be >0'],
  ])('answers BAD_REQUEST for %s when the id is readable', async (_name, message, text) => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.send(message);
    await expect(raw.nextMessage()).resolves.toEqual({
      type: 'error',
      id: 'm',
      error: { code: 'BAD_REQUEST', message: text },
    });
  });

  it('answers BAD_REQUEST for a superjson payload that cannot be decoded', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url, { protocols: ['wirecall.v1+superjson'] });
    raw.send({ type: 'call', id: 'sj', path: 'echo', input: { nojson: true } });
    await expect(raw.nextMessage()).resolves.toMatchObject({ id: 'sj', error: { code: 'BAD_REQUEST' } });
    raw.send({ type: 'call', id: 'ok', path: 'add', input: { json: { a: 1, b: 2 } } });
    await expect(raw.nextMessage()).resolves.toEqual({ type: 'result', id: 'ok', output: { json: 3 } });
  });

  it('closes with 1003 for a binary frame', async () => {
    const { url } = await startFixtureServer();
    const raw = await rawClient(url);
    raw.socket.send(Buffer.from('{"type":"ping"}'));
    await expect(raw.closed()).resolves.toMatchObject({ code: 1003 });
  });

  it('closes with 1009 for a frame over the size limit and keeps other connections working', async () => {
    const { url } = await startFixtureServer();
    const victim = await rawClient(url);
    const bystander = await rawClient(url);
    victim.send({ type: 'call', id: 'big', path: 'echo', input: 'x'.repeat(2 * 1024 * 1024) });
    await expect(victim.closed()).resolves.toMatchObject({ code: 1009 });
    bystander.send({ type: 'call', id: 'b', path: 'ping' });
    await expect(bystander.nextMessage()).resolves.toEqual({ type: 'result', id: 'b', output: 'pong' });
  });

  it('does not affect other connections when one sends garbage', async () => {
    const { url } = await startFixtureServer();
    const bad = await rawClient(url);
    const good = await rawClient(url);
    bad.send('not json at all');
    await expect(bad.closed()).resolves.toMatchObject({ code: 4400 });
    good.send({ type: 'call', id: 'g', path: 'add', input: { a: 20, b: 22 } });
    await expect(good.nextMessage()).resolves.toEqual({ type: 'result', id: 'g', output: 42 });
  });
});

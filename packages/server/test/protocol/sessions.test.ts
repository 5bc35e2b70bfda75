import { rawClient, startDeliveryServer, type RawClient } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';

/** Opens a raw connection that says hello with `session` (if any) and returns the welcome. */
async function connect(url: string, session?: string): Promise<{ raw: RawClient; welcome: Record<string, unknown> }> {
  const raw = await rawClient(url, { hello: false });
  raw.send({ type: 'hello', ...(session === undefined ? {} : { session }) });
  const welcome = (await raw.nextMessage()) as Record<string, unknown>;
  return { raw, welcome };
}

const increment = (id: string, token: string, retry = false) => ({
  type: 'call',
  id,
  path: 'counter.increment',
  input: { token },
  ...(retry ? { retry: true } : {}),
});

describe('sessions on the wire', () => {
  it('hand out a secret session token, distinct from the connection id, and resume it', async () => {
    const fixture = await startDeliveryServer();
    const first = await connect(fixture.url);
    expect(first.welcome).toMatchObject({ type: 'welcome', resumed: false });
    expect(first.welcome.session).toMatch(/^[\w-]{21}$/);
    expect(first.welcome.session).not.toBe(first.welcome.connectionId);
    first.raw.close();

    const second = await connect(fixture.url, first.welcome.session as string);
    expect(second.welcome).toMatchObject({ resumed: true, session: first.welcome.session });
    const stranger = await connect(fixture.url, 'not-a-session');
    expect(stranger.welcome.resumed).toBe(false);
    expect(stranger.welcome.session).not.toBe(first.welcome.session);
  });

  it('answer a known mutation id with its stored outcome, run a retry never seen, and refuse one forgotten', async () => {
    const fixture = await startDeliveryServer({ sessions: { windowSize: 2 } });
    const first = await connect(fixture.url);
    const session = first.welcome.session as string;
    first.raw.send(increment('1', 'one'));
    first.raw.send(increment('2', 'two'));
    first.raw.send(increment('3', 'three'));
    await first.raw.nextMessages(3);
    first.raw.close();

    const { raw } = await connect(fixture.url, session);
    // '1' was evicted by '3' (window of 2): it may have run, so its retry is refused.
    raw.send(increment('1', 'one', true));
    expect(await raw.nextMessage()).toMatchObject({ type: 'error', id: '1', error: { code: 'OUTCOME_UNKNOWN' } });
    // '3' is still held: the same outcome again, no second run.
    raw.send(increment('3', 'three', true));
    expect(await raw.nextMessage()).toEqual({ type: 'result', id: '3', output: 1 });
    // '9' was never seen, and is above everything forgotten: it runs.
    raw.send(increment('9', 'nine', true));
    expect(await raw.nextMessage()).toEqual({ type: 'result', id: '9', output: 1 });
    // An id that cannot be ordered cannot be told apart from a forgotten one.
    raw.send(increment('retry-x', 'x', true));
    expect(await raw.nextMessage()).toMatchObject({ type: 'error', id: 'retry-x', error: { code: 'OUTCOME_UNKNOWN' } });

    expect(Object.fromEntries(fixture.applied)).toEqual({ one: 1, two: 1, three: 1, nine: 1 });
  });

  it('keep no sessions when turned off', async () => {
    const fixture = await startDeliveryServer({ sessions: false });
    const { welcome } = await connect(fixture.url);
    expect(welcome).not.toHaveProperty('session');
    expect(welcome).not.toHaveProperty('resumed');
  });
});

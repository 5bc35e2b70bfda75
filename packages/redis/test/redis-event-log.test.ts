import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { eventually, startTcpProxy, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';

import { eventLogs, subscriber, take, uniqueKey } from './fixtures.js';
import { useRedisServer } from './redis-server.js';

const redis = useRedisServer();

interface Note {
  readonly n: number;
}

describe('Redis event logs', () => {
  it('deliver what any instance publishes to the subscribers of every instance, in the stream\'s order, with its ids', async () => {
    const key = uniqueKey();
    const [east, west] = [eventLogs(redis.connect()), eventLogs(redis.connect())];
    const eastLog = east.log<Note>(key);
    const westLog = west.log<Note>(key);
    expect(east.log<Note>(key)).toBe(eastLog);
    const readers = [subscriber(eastLog.subscribe()), subscriber(eastLog.subscribe()), subscriber(westLog.subscribe())];
    // Each instance has begun reading once a later command on its connection is answered.
    await Promise.all([eastLog.lastEventId(), westLog.lastEventId()]);

    const ids: string[] = [];
    for (let n = 0; n < 20; n += 1) ids.push(await (n % 2 === 0 ? eastLog : westLog).publish({ n }));

    const expected = ids.map((id, n) => ({ id, data: { n } }));
    for (const reader of readers) await expect(take(reader, 20)).resolves.toEqual(expected);
    await expect(westLog.lastEventId()).resolves.toBe(ids.at(-1));
  });

  it('keep Dates, Maps, Sets and BigInts as they were published', async () => {
    const log = eventLogs(redis.connect()).log<{ at: Date; tags: Set<string>; counts: Map<string, bigint> }>(uniqueKey());
    const reader = subscriber(log.subscribe());
    const event = { at: new Date('2026-11-25T10:00:00Z'), tags: new Set(['a']), counts: new Map([['x', 2n ** 70n]]) };
    const id = await log.publish(event);

    await expect(take(reader, 1)).resolves.toEqual([{ id, data: event }]);
  });

  it('resume after lastEventId from Redis, page by page, then go on live with nothing lost or repeated', async () => {
    const key = uniqueKey();
    const publisher = eventLogs(redis.connect()).log<Note>(key);
    const ids: string[] = [];
    for (let n = 0; n < 700; n += 1) ids.push(await publisher.publish({ n }));

    // Another instance, where the client reconnects: it resumes after the 100th event while publishing goes on.
    const log = eventLogs(redis.connect()).log<Note>(key);
    const reader = subscriber(log.subscribe({ lastEventId: ids[99] }));
    const later = (async () => {
      for (let n = 700; n < 760; n += 1) ids.push(await publisher.publish({ n }));
    })();
    const received = await take(reader, 660, 10_000);
    await later;

    expect(received).toEqual(ids.slice(100).map((id, index) => ({ id, data: { n: index + 100 } })));
  });

  it('report a gap when the last id was trimmed (expired) or never issued by the stream (unknown), then go on live', async () => {
    const key = uniqueKey();
    const log = eventLogs(redis.connect(), { maxEvents: 10 }).log<Note>(key);
    const first = await log.publish({ n: 0 });
    // MAXLEN ~ trims whole nodes of the stream (100 entries by default): publish well past them.
    for (let n = 1; n < 500; n += 1) await log.publish({ n });
    const newest = (await log.lastEventId()) as string;
    const [ms] = newest.split('-');
    const neverIssued = `${String(ms)}-999999`;

    const readers = [first, '99999999999999-0', neverIssued, 'not-an-id', ''].map((lastEventId) => subscriber(log.subscribe({ lastEventId })));
    const gaps = await Promise.all(readers.map((reader) => take(reader, 1)));
    const id = await log.publish({ n: 500 });
    const next = await Promise.all(readers.map((reader) => take(reader, 1)));

    expect(gaps).toEqual([[{ gap: 'expired' }], [{ gap: 'unknown' }], [{ gap: 'unknown' }], [{ gap: 'unknown' }], [{ gap: 'unknown' }]]);
    expect(next).toEqual(readers.map(() => [{ id, data: { n: 500 } }]));
  });

  it('let a subscriber that has read all Redis holds wait for the instance\'s reader, not read Redis again and again', async () => {
    const key = uniqueKey();
    const connection = redis.connect();
    const log = eventLogs(connection).log<Note>(key);
    const first = await log.publish({ n: 1 });
    const second = await log.publish({ n: 2 });
    const live = subscriber(log.subscribe());
    await log.lastEventId();
    // The instance now holds everything after `second`; with `second` deleted, Redis holds nothing after `first`.
    await connection.xdel(key, second);
    const xranges = async () => Number(/cmdstat_xrange:calls=(\d+)/.exec(await connection.info('commandstats'))?.[1] ?? 0);
    const before = await xranges();
    const resumed = subscriber(log.subscribe({ lastEventId: first }));
    const pending = resumed.next();
    // Round trips during which a subscriber that kept asking would ask again each time.
    for (let turn = 0; turn < 20; turn += 1) await connection.ping();
    const asked = (await xranges()) - before;
    const third = await log.publish({ n: 3 });

    await expect(withTimeout(pending, 2000, 'the resumed subscriber')).resolves.toEqual({ done: false, value: expect.objectContaining({ id: third }) });
    await expect(take(live, 1)).resolves.toEqual([{ id: third, data: { n: 3 } }]);
    expect(asked).toBe(1);
  });

  it('let a subscriber that falls behind what the instance holds continue from Redis, without a gap', async () => {
    const log = eventLogs(redis.connect(), { localEvents: 8 }).log<Note>(uniqueKey());
    const slow = subscriber(log.subscribe());
    const fast = subscriber(log.subscribe());
    await log.lastEventId();
    const ids: string[] = [];
    for (let n = 0; n < 300; n += 1) ids.push(await log.publish({ n }));

    const expected = ids.map((id, n) => ({ id, data: { n } }));
    await expect(take(fast, 300)).resolves.toEqual(expected);
    // `slow` read nothing meanwhile: the instance holds only the last 8.
    await expect(take(slow, 300)).resolves.toEqual(expected);
  });

  it('read a stream subscribed to while the blocking read waits on another', async () => {
    const logs = eventLogs(redis.connect());
    const quiet = subscriber(logs.log<Note>(uniqueKey()).subscribe());
    await logs.log<Note>(uniqueKey()).lastEventId();
    const busy = logs.log<Note>(uniqueKey());
    const reader = subscriber(busy.subscribe());
    await busy.lastEventId();
    const id = await busy.publish({ n: 1 });

    // Well within the read's 5 s block: the read was interrupted to include the new stream.
    await expect(take(reader, 1, 2000)).resolves.toEqual([{ id, data: { n: 1 } }]);
    expect(quiet).toBeDefined();
  });

  it('still read every stream when Redis refuses CLIENT (an ACL): a stream added later is read when the waiting read times out', async () => {
    await redis.connect().acl('SETUSER', 'noclient', 'on', 'nopass', '~*', '&*', '+@all', '-client');
    const errors: string[] = [];
    const logs = eventLogs(redis.connect(undefined, { username: 'noclient', password: 'x' }), {
      logger: { error: (message) => errors.push(message), warn: () => undefined },
    });
    const first = logs.log<Note>(uniqueKey());
    const early = subscriber(first.subscribe());
    await first.lastEventId();
    const id = await first.publish({ n: 1 });
    await expect(take(early, 1)).resolves.toEqual([{ id, data: { n: 1 } }]);
    const second = logs.log<Note>(uniqueKey());
    const late = subscriber(second.subscribe());
    await second.lastEventId();
    const lateId = await second.publish({ n: 2 });

    // The read that waited on the first stream runs out after 5 s, and the next one includes the second.
    await expect(take(late, 1, 8000)).resolves.toEqual([{ id: lateId, data: { n: 2 } }]);
    expect(errors).toContain('could not get the id of the blocking connection: streams added are read within 5000 ms');
  }, 10_000);

  it('skip an entry that holds no event, with a warning', async () => {
    const key = uniqueKey();
    const connection = redis.connect();
    const warnings: string[] = [];
    const log = eventLogs(connection, { logger: { error: () => undefined, warn: (message) => warnings.push(message) } }).log<Note>(key);
    const reader = subscriber(log.subscribe());
    await log.lastEventId();
    await connection.xadd(key, '*', 'other', 'field');
    await connection.xadd(key, '*', 'e', '{not json');
    const id = await log.publish({ n: 1 });

    await expect(take(reader, 1)).resolves.toEqual([{ id, data: { n: 1 } }]);
    expect(warnings).toEqual(['skipped a stream entry that holds no event', 'skipped a stream entry that holds no event']);
  });

  it('end a subscriber when its signal aborts, and every subscriber on close, after which publishing fails', async () => {
    const logs = eventLogs(redis.connect());
    const log = logs.log<Note>(uniqueKey());
    const controller = new AbortController();
    const aborted = log.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();
    const closed = log.subscribe()[Symbol.asyncIterator]();
    const pending = aborted.next();
    controller.abort();
    await expect(withTimeout(pending, 2000, 'the aborted subscriber')).resolves.toEqual({ done: true, value: undefined });

    const waiting = closed.next();
    await logs.close();
    await expect(withTimeout(waiting, 2000, 'the closed subscriber')).resolves.toEqual({ done: true, value: undefined });
    await expect(log.publish({ n: 1 })).rejects.toThrow(/closed/);
    await expect(log.subscribe()[Symbol.asyncIterator]().next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('lose nothing published while the instance\'s connections to Redis were cut', async () => {
    const key = uniqueKey();
    const proxy = await startTcpProxy(redis.port);
    const log = eventLogs(redis.connect(proxy.port)).log<Note>(key);
    const reader = subscriber(log.subscribe());
    await log.lastEventId();
    const publisher = eventLogs(redis.connect()).log<Note>(key);
    const ids = [await publisher.publish({ n: 0 })];
    await expect(take(reader, 1)).resolves.toEqual([{ id: ids[0], data: { n: 0 } }]);

    proxy.dropAll();
    for (let n = 1; n < 50; n += 1) ids.push(await publisher.publish({ n }));

    await expect(take(reader, 49, 10_000)).resolves.toEqual(ids.slice(1).map((id, index) => ({ id, data: { n: index + 1 } })));
  });

  it('let a log that nothing refers to any more be collected, once its subscribers are gone', async () => {
    const logs = eventLogs(redis.connect());
    const key = uniqueKey();
    const collectable = await (async () => {
      const log = logs.log<Note>(key);
      const reader = log.subscribe()[Symbol.asyncIterator]();
      await log.lastEventId();
      const id = await log.publish({ n: 1 });
      await expect(take(reader, 1)).resolves.toEqual([{ id, data: { n: 1 } }]);
      await reader.return?.();
      return new WeakRef(log);
    })();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;

    await eventually(() => {
      gc();
      return collectable.deref() === undefined;
    }, 'the log to be collected');
    // The key's entry went with it: the next log of that key is a new one, and works.
    const again = logs.log<Note>(key);
    const reader = subscriber(again.subscribe());
    await again.lastEventId();
    const id = await again.publish({ n: 2 });
    await expect(take(reader, 1)).resolves.toEqual([{ id, data: { n: 2 } }]);
  });

  it('refuse bounds that are not positive integers', () => {
    const connection = redis.connect();
    expect(() => eventLogs(connection, { maxEvents: 0 })).toThrow(RangeError);
    expect(() => eventLogs(connection, { localEvents: 1.5 })).toThrow(RangeError);
    expect(() => eventLogs(connection, { maxAgeMs: -1 })).toThrow(RangeError);
  });
});

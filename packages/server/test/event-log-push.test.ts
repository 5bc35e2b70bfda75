import { defineContract, subscription } from '@wirecall/schema';
import { createEventLog } from '@wirecall/server';
import { formatSubprotocol } from '@wirecall/schema/protocol';
import { eventually, rawClient, startTestServer, withTimeout } from '@wirecall/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const api = defineContract({ feed: subscription({ event: z.object({ seq: z.number(), pad: z.string() }), resumable: true }) });

interface WireMessage {
  readonly type: string;
  readonly id?: string;
  readonly data?: { seq: number };
  readonly eventId?: string;
  readonly reason?: string;
}

/** Starts a server whose `feed` streams `log`; `ready` resolves once the client's subscription is live. */
async function start(maxEvents: number, sendHighWaterMarkBytes?: number) {
  const log = createEventLog<{ seq: number; pad: string }>({ maxEvents });
  let live: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    live = resolve;
  });
  const { url } = await startTestServer(api, {
    ...(sendHighWaterMarkBytes === undefined ? {} : { sendHighWaterMarkBytes }),
    handlers: {
      feed: ({ lastEventId, signal }) => {
        const stream = log.subscribe({ lastEventId, signal });
        setImmediate(live);
        return stream;
      },
    },
  });
  const raw = await rawClient(url);
  raw.send({ type: 'subscribe', id: 's', path: 'feed' });
  await withTimeout(ready, 5000, 'the subscription to start');
  return { log, raw };
}

/** Reads messages (batches flattened) until `done` says so. */
async function readUntil(raw: Awaited<ReturnType<typeof rawClient>>, done: (messages: WireMessage[]) => boolean): Promise<WireMessage[]> {
  const messages: WireMessage[] = [];
  const read = async (): Promise<void> => {
    while (!done(messages)) {
      const frame = await raw.nextMessage(10_000);
      messages.push(...((Array.isArray(frame) ? frame : [frame]) as WireMessage[]));
    }
  };
  await withTimeout(read(), 10_000, 'the messages');
  return messages;
}

describe('event log subscriptions (pushed as published)', () => {
  it('deliver a synchronous burst in order, each event with its id', async () => {
    const { log, raw } = await start(10_000);
    const ids = Array.from({ length: 2000 }, (_, seq) => log.publish({ seq, pad: '' }));

    const messages = await readUntil(raw, (seen) => seen.length === 2000);
    expect(messages.map((message) => message.data?.seq)).toEqual(Array.from({ length: 2000 }, (_, seq) => seq));
    expect(messages.map((message) => message.eventId)).toEqual(ids);
  });

  it('stop writing to a client that reads nothing, then report what the log no longer holds and go on live', async () => {
    const { log, raw } = await start(10, 16 * 1024);
    let received = 0;
    raw.socket.on('message', (data: Buffer) => {
      received += data.length;
    });
    raw.socket.pause();
    // 40 MB published while the client reads nothing: far more than the socket and the kernel hold.
    const pad = 'x'.repeat(4096);
    for (let seq = 0; seq < 10_000; seq += 1) log.publish({ seq, pad });
    raw.socket.resume();
    const gapSeen = (messages: WireMessage[]) => messages.some((message) => message.type === 'gap');
    const before = await readUntil(raw, gapSeen);
    log.publish({ seq: 10_000, pad: '' });
    const after = await readUntil(raw, (messages) => messages.some((message) => message.data?.seq === 10_000));

    const messages = [...before, ...after];
    const seqs = messages.flatMap((message) => (message.type === 'event' && message.data !== undefined ? [message.data.seq] : []));
    expect(seqs.every((seq, index) => index === 0 || seq > (seqs[index - 1] as number))).toBe(true);
    expect(messages.filter((message) => message.type === 'gap')).toEqual([{ type: 'gap', id: 's', reason: 'expired' }]);
    // What reached the client is a fraction of what was published: the rest was never buffered for it.
    expect(received).toBeLessThan(24 * 1024 * 1024);
    expect(seqs.at(-1)).toBe(10_000);
  });

  it('validate each event once and encode it once per codec, however many subscribe', async () => {
    /** Counts its encodings: both codecs call `toJSON`. */
    class Stamp {
      static encodings = 0;
      toJSON(): string {
        Stamp.encodings += 1;
        return 'stamp';
      }
    }
    let validations = 0;
    const event = z.object({ seq: z.number(), stamp: z.instanceof(Stamp) }).refine(() => {
      validations += 1;
      return true;
    });
    const stamped = defineContract({ feed: subscription({ event, resumable: true }) });
    const log = createEventLog<{ seq: number; stamp: Stamp }>();
    let subscribers = 0;
    const { url } = await startTestServer(stamped, {
      handlers: {
        feed: ({ lastEventId, signal }) => {
          subscribers += 1;
          return log.subscribe({ lastEventId, signal });
        },
      },
    });
    const clients = await Promise.all(
      ['rich', 'rich', 'rich', 'rich', 'json'].map((codec) => rawClient(url, { protocols: [formatSubprotocol(codec)] })),
    );
    for (const client of clients) client.send({ type: 'subscribe', id: 's', path: 'feed' });
    await eventually(() => subscribers === clients.length, 'the subscriptions to start');
    const ids = Array.from({ length: 10 }, (_, seq) => log.publish({ seq, stamp: new Stamp() }));

    for (const client of clients) {
      const messages = (await client.nextMessages(10)) as WireMessage[];
      expect(messages).toEqual(ids.map((eventId, seq) => ({ type: 'event', id: 's', data: { seq, stamp: 'stamp' }, eventId })));
    }
    expect(validations).toBe(10);
    expect(Stamp.encodings).toBe(20);
  });

  it.each([
    { compression: false, pad: 'é' },
    // Frames over the deflate threshold: `ws` compresses the bytes every subscriber shares, once per socket.
    { compression: {}, pad: 'é'.repeat(4096) },
  ] as const)('send each subscriber its own id, whether its id equals other subscribers\' ids or not (compression: $compression)', async ({ compression, pad }) => {
    const log = createEventLog<{ seq: number; pad: string }>();
    let subscribers = 0;
    const { url } = await startTestServer(api, {
      compression,
      handlers: {
        feed: ({ lastEventId, signal }) => {
          subscribers += 1;
          return log.subscribe({ lastEventId, signal });
        },
      },
    });
    const ids = ['s', 's', 't', 's', 'ü', 't'];
    const clients = await Promise.all(ids.map(() => rawClient(url)));
    for (const [index, client] of clients.entries()) client.send({ type: 'subscribe', id: ids[index], path: 'feed' });
    await eventually(() => subscribers === clients.length, 'the subscriptions to start');
    const eventIds = [log.publish({ seq: 0, pad }), log.publish({ seq: 1, pad: '' })];

    for (const [index, client] of clients.entries()) {
      if (compression !== false) expect(client.socket.extensions).toContain('permessage-deflate');
      const messages = (await client.nextMessages(2)) as WireMessage[];
      expect(messages).toEqual([
        { type: 'event', id: ids[index], data: { seq: 0, pad }, eventId: eventIds[0] },
        { type: 'event', id: ids[index], data: { seq: 1, pad: '' }, eventId: eventIds[1] },
      ]);
    }
  });

  it('end a subscriber with INTERNAL_SERVER_ERROR when an event cannot be encoded, and log it', async () => {
    const loose = defineContract({ feed: subscription({ event: z.unknown(), resumable: true }) });
    const log = createEventLog<unknown>();
    const logged: string[] = [];
    let subscribed = false;
    const { url } = await startTestServer(loose, {
      logger: { warn: () => undefined, error: (message) => logged.push(message) },
      handlers: {
        feed: ({ lastEventId, signal }) => {
          subscribed = true;
          return log.subscribe({ lastEventId, signal });
        },
      },
    });
    const raw = await rawClient(url, { protocols: [formatSubprotocol('rich')] });
    raw.send({ type: 'subscribe', id: 's', path: 'feed' });
    await eventually(() => subscribed, 'the subscription to start');
    log.publish({ run: () => 1 });

    await expect(raw.nextMessage()).resolves.toEqual({
      type: 'error',
      id: 's',
      error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' },
    });
    expect(logged).toEqual(['could not encode a "event" message of "feed"']);
  });
});

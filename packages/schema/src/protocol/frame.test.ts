import { describe, expect, it } from 'vitest';

import { limitCloseReason } from './close-codes.js';
import { jsonCodec, superjsonCodec, type Codec } from './codec.js';
import {
  decodeClientFrame,
  decodeServerFrame,
  encodeFrames,
  encodeMessage,
  MAX_BATCH_FRAME_LENGTH,
  type DecodedMessage,
} from './frame.js';
import {
  MAX_BATCH_SIZE,
  MAX_ID_LENGTH,
  MAX_META_ENTRIES,
  MAX_PATH_LENGTH,
  MAX_TIMEOUT_MS,
  MessageType,
  type ClientMessage,
  type ServerMessage,
} from './messages.js';
import { ProtocolError } from './protocol-error.js';

type AnyMessage = ClientMessage | ServerMessage;
type Decoder = (data: string, codec: Codec) => DecodedMessage<AnyMessage>[];

const decoders: [string, Decoder][] = [
  ['decodeClientFrame', decodeClientFrame],
  ['decodeServerFrame', decodeServerFrame],
];

/** Runs `decode` and returns what it threw; fails the test when it throws nothing. */
function thrownBy(decode: () => unknown): unknown {
  try {
    decode();
  } catch (error) {
    return error;
  }
  throw new Error('expected the frame to be rejected as a whole');
}

/** Decodes a frame that must hold exactly one message and returns its outcome. */
function decodeOnly(decode: Decoder, frame: string, codec: Codec = superjsonCodec): DecodedMessage<AnyMessage> {
  const decoded = decode(frame, codec);
  expect(decoded).toHaveLength(1);
  return decoded[0] as DecodedMessage<AnyMessage>;
}

const pings = (count: number): string => JSON.stringify(Array.from({ length: count }, () => ({ type: 'ping' })));

describe('decoding a frame that is unusable as a whole', () => {
  describe.each(decoders)('%s', (_name, decode) => {
    it.each([
      ['text that is not JSON', 'not json', 'frame is not valid JSON'],
      ['an empty frame', '', 'frame is not valid JSON'],
      ['truncated JSON', '{"type":"ping"', 'frame is not valid JSON'],
      ['an empty batch', '[]', 'a batch frame must hold at least one message'],
      [
        'a batch of MAX_BATCH_SIZE + 1 messages',
        pings(MAX_BATCH_SIZE + 1),
        `a batch frame holds at most ${String(MAX_BATCH_SIZE)} messages, got ${String(MAX_BATCH_SIZE + 1)}`,
      ],
    ])('throws a ProtocolError for %s', (_case, frame, message) => {
      const error = thrownBy(() => decode(frame, superjsonCodec));
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error).toMatchObject({ name: 'ProtocolError', message });
    });
  });
});

interface MalformedCase {
  readonly name: string;
  /** The frame's text: a value is sent as its JSON. */
  readonly frame: unknown;
  readonly error: string;
  /** The id the decoder recovers (so the receiver can answer), or `undefined` when the connection must close. */
  readonly id: string | undefined;
}

const frameText = (frame: unknown): string => (typeof frame === 'string' ? frame : JSON.stringify(frame));

const longId = 'i'.repeat(MAX_ID_LENGTH + 1);

/** A `meta` object of `count` small entries. */
const metaOf = (count: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${String(index)}`, 'v']));

/** Valid `welcome` fields, for cases that break one of them. */
const welcomeFields = {
  connectionId: 'c',
  heartbeatIntervalMs: 30_000,
  limits: { maxPayloadBytes: 1_048_576, maxInFlightCalls: 1024, maxSubscriptions: 1024 },
} as const;

const malformedClientMessages: MalformedCase[] = [
  // Not a message object
  { name: 'a number', frame: '42', error: 'a message must be an object, got number', id: undefined },
  { name: 'null', frame: 'null', error: 'a message must be an object, got null', id: undefined },
  { name: 'a string', frame: '"call"', error: 'a message must be an object, got string', id: undefined },
  { name: 'a boolean', frame: 'true', error: 'a message must be an object, got boolean', id: undefined },
  { name: 'a batch nested in a batch', frame: '[[{"type":"ping"}]]', error: 'a message must be an object, got array', id: undefined },
  // Unknown type
  { name: 'an unknown type with an id', frame: { type: 'bonjour', id: 'm' }, error: '`type` must be a known message type, got "bonjour"', id: 'm' },
  { name: 'an unknown type without an id', frame: { type: 'bonjour' }, error: '`type` must be a known message type, got "bonjour"', id: undefined },
  { name: 'a missing type', frame: { id: 'm' }, error: '`type` must be a known message type, got undefined', id: 'm' },
  { name: 'a type that is a number', frame: { type: 5, id: 'm' }, error: '`type` must be a known message type, got number', id: 'm' },
  { name: 'a type that is null', frame: { type: null }, error: '`type` must be a known message type, got null', id: undefined },
  { name: 'an inherited property name as type', frame: { type: '__proto__', id: 'm' }, error: '`type` must be a known message type, got "__proto__"', id: 'm' },
  { name: 'a prototype method name as type', frame: { type: 'toString', id: 'm' }, error: '`type` must be a known message type, got "toString"', id: 'm' },
  { name: 'a server message type', frame: { type: 'result', id: 'm' }, error: '`type` must be a known message type, got "result"', id: 'm' },
  {
    name: 'a long unknown type (shown cut to 32 characters)',
    frame: { type: 't'.repeat(100) },
    error: `\`type\` must be a known message type, got "${'t'.repeat(32)}"`,
    id: undefined,
  },
  // id
  { name: 'a call without id', frame: { type: 'call', path: 'p' }, error: 'invalid "call" message: `id`: Invalid input: expected string, received undefined', id: undefined },
  { name: 'a call with an empty id', frame: { type: 'call', id: '', path: 'p' }, error: 'invalid "call" message: `id`: Too small: expected string to have >=1 characters', id: undefined },
  { name: 'a call with an id over MAX_ID_LENGTH', frame: { type: 'call', id: longId, path: 'p' }, error: 'invalid "call" message: `id`: Too big: expected string to have <=128 characters', id: undefined },
  { name: 'a call with a numeric id', frame: { type: 'call', id: 7, path: 'p' }, error: 'invalid "call" message: `id`: Invalid input: expected string, received number', id: undefined },
  { name: 'a cancel without id', frame: { type: 'cancel' }, error: 'invalid "cancel" message: `id`: Invalid input: expected string, received undefined', id: undefined },
  { name: 'a subscribe with an id over MAX_ID_LENGTH', frame: { type: 'subscribe', id: longId, path: 'p' }, error: 'invalid "subscribe" message: `id`: Too big: expected string to have <=128 characters', id: undefined },
  // path
  { name: 'a call without path', frame: { type: 'call', id: 'm' }, error: 'invalid "call" message: `path`: Invalid input: expected string, received undefined', id: 'm' },
  { name: 'a call with an empty path', frame: { type: 'call', id: 'm', path: '' }, error: 'invalid "call" message: `path`: Too small: expected string to have >=1 characters', id: 'm' },
  { name: 'a call with a path over MAX_PATH_LENGTH', frame: { type: 'call', id: 'm', path: 'p'.repeat(MAX_PATH_LENGTH + 1) }, error: 'invalid "call" message: `path`: Too big: expected string to have <=512 characters', id: 'm' },
  { name: 'a call with a numeric path', frame: { type: 'call', id: 'm', path: 7 }, error: 'invalid "call" message: `path`: Invalid input: expected string, received number', id: 'm' },
  { name: 'a subscribe without path', frame: { type: 'subscribe', id: 'm' }, error: 'invalid "subscribe" message: `path`: Invalid input: expected string, received undefined', id: 'm' },
  // timeoutMs
  { name: 'a negative timeoutMs', frame: { type: 'call', id: 'm', path: 'p', timeoutMs: -1 }, error: 'invalid "call" message: `timeoutMs`: Too small: expected number to be >0', id: 'm' },
  { name: 'a zero timeoutMs', frame: { type: 'call', id: 'm', path: 'p', timeoutMs: 0 }, error: 'invalid "call" message: `timeoutMs`: Too small: expected number to be >0', id: 'm' },
  { name: 'a timeoutMs over MAX_TIMEOUT_MS', frame: { type: 'call', id: 'm', path: 'p', timeoutMs: MAX_TIMEOUT_MS + 1 }, error: 'invalid "call" message: `timeoutMs`: Too big: expected number to be <=2147483647', id: 'm' },
  { name: 'a fractional timeoutMs', frame: { type: 'call', id: 'm', path: 'p', timeoutMs: 1.5 }, error: 'invalid "call" message: `timeoutMs`: Invalid input: expected int, received number', id: 'm' },
  { name: 'a timeoutMs that is a string', frame: { type: 'subscribe', id: 'm', path: 'p', timeoutMs: '5' }, error: 'invalid "subscribe" message: `timeoutMs`: Invalid input: expected number, received string', id: 'm' },
  // lastEventId
  { name: 'a lastEventId over MAX_ID_LENGTH', frame: { type: 'subscribe', id: 'm', path: 'p', lastEventId: longId }, error: 'invalid "subscribe" message: `lastEventId`: Too big: expected string to have <=128 characters', id: 'm' },
  // meta
  { name: 'a meta that is not an object', frame: { type: 'call', id: 'm', path: 'p', meta: 'trace=1' }, error: 'invalid "call" message: `meta`: Invalid input: expected record, received string', id: 'm' },
  { name: 'a meta that is an array', frame: { type: 'call', id: 'm', path: 'p', meta: [] }, error: 'invalid "call" message: `meta`: Invalid input: expected record, received array', id: 'm' },
  { name: 'a meta that is null', frame: { type: 'subscribe', id: 'm', path: 'p', meta: null }, error: 'invalid "subscribe" message: `meta`: Invalid input: expected record, received null', id: 'm' },
  { name: 'a meta with an empty key', frame: { type: 'call', id: 'm', path: 'p', meta: { '': 'v' } }, error: 'invalid "call" message: `meta.`: Invalid key in record', id: 'm' },
  { name: 'a meta key of 65 characters', frame: { type: 'call', id: 'm', path: 'p', meta: { ['k'.repeat(65)]: 'v' } }, error: `invalid "call" message: \`meta.${'k'.repeat(65)}\`: Invalid key in record`, id: 'm' },
  { name: 'a meta value of 1025 characters', frame: { type: 'call', id: 'm', path: 'p', meta: { k: 'v'.repeat(1025) } }, error: 'invalid "call" message: `meta.k`: Too big: expected string to have <=1024 characters', id: 'm' },
  { name: 'a meta value that is a number', frame: { type: 'subscribe', id: 'm', path: 'p', meta: { k: 1 } }, error: 'invalid "subscribe" message: `meta.k`: Invalid input: expected string, received number', id: 'm' },
  { name: 'a meta value that is null', frame: { type: 'call', id: 'm', path: 'p', meta: { a: 'x', b: null } }, error: 'invalid "call" message: `meta.b`: Invalid input: expected string, received null', id: 'm' },
  { name: 'a meta of MAX_META_ENTRIES + 1 entries', frame: { type: 'call', id: 'm', path: 'p', meta: metaOf(MAX_META_ENTRIES + 1) }, error: 'invalid "call" message: `meta`: at most 32 entries', id: 'm' },
  { name: 'a subscribe meta of MAX_META_ENTRIES + 1 entries', frame: { type: 'subscribe', id: 'm', path: 'p', meta: metaOf(MAX_META_ENTRIES + 1) }, error: 'invalid "subscribe" message: `meta`: at most 32 entries', id: 'm' },
  // hello and auth (no id of their own: a malformed one closes the connection unless it carries an `id` field)
  { name: 'a superjson hello params that is not an object', frame: { type: 'hello', params: 5 }, error: 'superjson payload must be an object with a "json" field', id: undefined },
  { name: 'a superjson hello params that is null', frame: { type: 'hello', params: null }, error: 'superjson payload must be an object with a "json" field', id: undefined },
  { name: 'a superjson hello params superjson cannot deserialize', frame: { type: 'hello', params: { json: 'x', meta: { values: ['bigint'] } } }, error: 'superjson payload could not be decoded', id: undefined },
  { name: 'a hello that carries an id field (read like any id)', frame: { type: 'hello', id: 'h', params: 1 }, error: 'superjson payload must be an object with a "json" field', id: 'h' },
  { name: 'a superjson auth params without "json"', frame: { type: 'auth', params: { meta: {} } }, error: 'superjson payload must be an object with a "json" field', id: undefined },
  { name: 'a superjson auth params whose "meta" is not an object', frame: { type: 'auth', params: { json: 1, meta: 2 } }, error: 'superjson payload "meta" must be an object', id: undefined },
  { name: 'a welcome (a server message type)', frame: { type: 'welcome', ...welcomeFields }, error: '`type` must be a known message type, got "welcome"', id: undefined },
  // superjson payload
  { name: 'a superjson input that is not an object', frame: { type: 'call', id: 'm', path: 'p', input: 5 }, error: 'superjson payload must be an object with a "json" field', id: 'm' },
  { name: 'a superjson input that is null', frame: { type: 'call', id: 'm', path: 'p', input: null }, error: 'superjson payload must be an object with a "json" field', id: 'm' },
  { name: 'a superjson input without "json"', frame: { type: 'subscribe', id: 'm', path: 'p', input: { meta: {} } }, error: 'superjson payload must be an object with a "json" field', id: 'm' },
  { name: 'a superjson input whose "meta" is not an object', frame: { type: 'call', id: 'm', path: 'p', input: { json: 1, meta: 3 } }, error: 'superjson payload "meta" must be an object', id: 'm' },
  {
    name: 'a superjson input superjson cannot deserialize',
    frame: { type: 'call', id: 'm', path: 'p', input: { json: 'not a number', meta: { values: ['bigint'] } } },
    error: 'superjson payload could not be decoded',
    id: 'm',
  },
];

const malformedServerMessages: MalformedCase[] = [
  { name: 'a client message type', frame: { type: 'call', id: 'm', path: 'p' }, error: '`type` must be a known message type, got "call"', id: 'm' },
  { name: 'a result without id', frame: { type: 'result' }, error: 'invalid "result" message: `id`: Invalid input: expected string, received undefined', id: undefined },
  { name: 'a result with an id over MAX_ID_LENGTH', frame: { type: 'result', id: longId }, error: 'invalid "result" message: `id`: Too big: expected string to have <=128 characters', id: undefined },
  { name: 'an error without its error object', frame: { type: 'error', id: 'm' }, error: 'invalid "error" message: `error`: Invalid input: expected object, received undefined', id: 'm' },
  { name: 'an error with an empty code', frame: { type: 'error', id: 'm', error: { code: '', message: 'x' } }, error: 'invalid "error" message: `error.code`: Too small: expected string to have >=1 characters', id: 'm' },
  { name: 'an error without message', frame: { type: 'error', id: 'm', error: { code: 'X' } }, error: 'invalid "error" message: `error.message`: Invalid input: expected string, received undefined', id: 'm' },
  { name: 'an event with an eventId over MAX_ID_LENGTH', frame: { type: 'event', id: 'm', eventId: longId }, error: 'invalid "event" message: `eventId`: Too big: expected string to have <=128 characters', id: 'm' },
  { name: 'a complete with a numeric id', frame: { type: 'complete', id: 1 }, error: 'invalid "complete" message: `id`: Invalid input: expected string, received number', id: undefined },
  { name: 'a goaway with a numeric reason', frame: { type: 'goaway', reason: 5 }, error: 'invalid "goaway" message: `reason`: Invalid input: expected string, received number', id: undefined },
  { name: 'a goaway with a negative reconnectWithinMs', frame: { type: 'goaway', reconnectWithinMs: -1 }, error: 'invalid "goaway" message: `reconnectWithinMs`: Too small: expected number to be >=0', id: undefined },
  { name: 'a goaway with a fractional reconnectWithinMs', frame: { type: 'goaway', reconnectWithinMs: 1.5 }, error: 'invalid "goaway" message: `reconnectWithinMs`: Invalid input: expected int, received number', id: undefined },
  { name: 'a goaway with a reconnectWithinMs that is a string', frame: { type: 'goaway', reconnectWithinMs: '5' }, error: 'invalid "goaway" message: `reconnectWithinMs`: Invalid input: expected number, received string', id: undefined },
  // welcome
  { name: 'a hello (a client message type)', frame: { type: 'hello' }, error: '`type` must be a known message type, got "hello"', id: undefined },
  { name: 'an auth (a client message type)', frame: { type: 'auth' }, error: '`type` must be a known message type, got "auth"', id: undefined },
  { name: 'a welcome without connectionId', frame: { type: 'welcome' }, error: 'invalid "welcome" message: `connectionId`: Invalid input: expected string, received undefined', id: undefined },
  { name: 'a welcome with an empty connectionId', frame: { type: 'welcome', ...welcomeFields, connectionId: '' }, error: 'invalid "welcome" message: `connectionId`: Too small: expected string to have >=1 characters', id: undefined },
  { name: 'a welcome with a connectionId over MAX_ID_LENGTH', frame: { type: 'welcome', ...welcomeFields, connectionId: longId }, error: 'invalid "welcome" message: `connectionId`: Too big: expected string to have <=128 characters', id: undefined },
  { name: 'a welcome with a numeric connectionId', frame: { type: 'welcome', ...welcomeFields, connectionId: 7 }, error: 'invalid "welcome" message: `connectionId`: Invalid input: expected string, received number', id: undefined },
  { name: 'a welcome without heartbeatIntervalMs', frame: { type: 'welcome', connectionId: 'c', limits: welcomeFields.limits }, error: 'invalid "welcome" message: `heartbeatIntervalMs`: Invalid input: expected number, received undefined', id: undefined },
  { name: 'a welcome with a negative heartbeatIntervalMs', frame: { type: 'welcome', ...welcomeFields, heartbeatIntervalMs: -1 }, error: 'invalid "welcome" message: `heartbeatIntervalMs`: Too small: expected number to be >=0', id: undefined },
  { name: 'a welcome with a fractional heartbeatIntervalMs', frame: { type: 'welcome', ...welcomeFields, heartbeatIntervalMs: 1.5 }, error: 'invalid "welcome" message: `heartbeatIntervalMs`: Invalid input: expected int, received number', id: undefined },
  { name: 'a welcome without limits', frame: { type: 'welcome', connectionId: 'c', heartbeatIntervalMs: 0 }, error: 'invalid "welcome" message: `limits`: Invalid input: expected object, received undefined', id: undefined },
  { name: 'a welcome with a zero maxPayloadBytes', frame: { type: 'welcome', ...welcomeFields, limits: { ...welcomeFields.limits, maxPayloadBytes: 0 } }, error: 'invalid "welcome" message: `limits.maxPayloadBytes`: Too small: expected number to be >0', id: undefined },
  { name: 'a welcome without maxInFlightCalls', frame: { type: 'welcome', ...welcomeFields, limits: { maxPayloadBytes: 1, maxSubscriptions: 1 } }, error: 'invalid "welcome" message: `limits.maxInFlightCalls`: Invalid input: expected number, received undefined', id: undefined },
  { name: 'a welcome with a fractional maxSubscriptions', frame: { type: 'welcome', ...welcomeFields, limits: { ...welcomeFields.limits, maxSubscriptions: 2.5 } }, error: 'invalid "welcome" message: `limits.maxSubscriptions`: Invalid input: expected int, received number', id: undefined },
  { name: 'a welcome with a zero expiresAt', frame: { type: 'welcome', ...welcomeFields, expiresAt: 0 }, error: 'invalid "welcome" message: `expiresAt`: Too small: expected number to be >0', id: undefined },
  { name: 'a welcome with a fractional expiresAt', frame: { type: 'welcome', ...welcomeFields, expiresAt: 1.5 }, error: 'invalid "welcome" message: `expiresAt`: Invalid input: expected int, received number', id: undefined },
  { name: 'a welcome with an expiresAt that is a date string', frame: { type: 'welcome', ...welcomeFields, expiresAt: '2026-11-23T10:00:00.000Z' }, error: 'invalid "welcome" message: `expiresAt`: Invalid input: expected number, received string', id: undefined },
  { name: 'a superjson output that is not an object', frame: { type: 'result', id: 'm', output: 5 }, error: 'superjson payload must be an object with a "json" field', id: 'm' },
  { name: 'superjson error data without "json"', frame: { type: 'error', id: 'm', error: { code: 'X', message: 'y', data: 4 } }, error: 'superjson payload must be an object with a "json" field', id: 'm' },
  { name: 'superjson event data superjson cannot deserialize', frame: { type: 'event', id: 'm', data: { json: 'x', meta: { values: ['bigint'] } } }, error: 'superjson payload could not be decoded', id: 'm' },
];

describe.each([
  ['decodeClientFrame', decodeClientFrame as Decoder, malformedClientMessages],
  ['decodeServerFrame', decodeServerFrame as Decoder, malformedServerMessages],
])('%s on a malformed message', (_name, decode, cases) => {
  it.each(cases)('reports $name (id recovered: $id)', ({ frame, error, id }) => {
    const decoded = decodeOnly(decode, frameText(frame));
    expect(decoded).toEqual({ ok: false, id, error: expect.any(ProtocolError) });
    if (decoded.ok) return;
    expect(decoded.error.message).toBe(error);
  });
});

describe('decodeClientFrame on valid frames', () => {
  it('accepts ids, paths and deadlines at their limits', () => {
    const call = {
      type: 'call',
      id: 'i'.repeat(MAX_ID_LENGTH),
      path: 'p'.repeat(MAX_PATH_LENGTH),
      timeoutMs: MAX_TIMEOUT_MS,
    } as const;
    expect(decodeClientFrame(JSON.stringify(call), jsonCodec)).toEqual([{ ok: true, message: call }]);
    const shortest = { type: 'call', id: 'i', path: 'p', timeoutMs: 1 } as const;
    expect(decodeClientFrame(JSON.stringify(shortest), jsonCodec)).toEqual([{ ok: true, message: shortest }]);
  });

  it('accepts meta at its limits: MAX_META_ENTRIES entries, keys of 1 and 64 characters, values of 0 and 1024', () => {
    const meta = Object.fromEntries(
      Array.from({ length: MAX_META_ENTRIES }, (_, index) => [
        index === 0 ? 'k' : `${'k'.repeat(62)}${String(index).padStart(2, '0')}`,
        index === 1 ? '' : 'v'.repeat(1024),
      ]),
    );
    expect(Object.keys(meta)).toHaveLength(MAX_META_ENTRIES);
    const call = { type: 'call', id: 'c', path: 'p', meta } as const;
    expect(decodeClientFrame(JSON.stringify(call), jsonCodec)).toEqual([{ ok: true, message: call }]);
    const subscribe = { type: 'subscribe', id: 's', path: 'p', meta: {} } as const;
    expect(decodeClientFrame(JSON.stringify(subscribe), jsonCodec)).toEqual([{ ok: true, message: subscribe }]);
  });

  it('never hands meta to the codec: it stays plain JSON with superjson', () => {
    const meta = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', locale: 'fr-FR' };
    const encoded = encodeMessage({ type: 'call', id: 'c', path: 'p', meta }, superjsonCodec);
    expect(JSON.parse(encoded)).toEqual({ type: 'call', id: 'c', path: 'p', meta });
    expect(decodeClientFrame(encoded, superjsonCodec)).toEqual([{ ok: true, message: { type: 'call', id: 'c', path: 'p', meta } }]);
  });

  it('accepts hello and auth without params, and a null params with the json codec', () => {
    expect(decodeClientFrame('[{"type":"hello"},{"type":"auth"}]', superjsonCodec)).toStrictEqual([
      { ok: true, message: { type: 'hello' } },
      { ok: true, message: { type: 'auth' } },
    ]);
    expect(decodeClientFrame('{"type":"hello","params":null}', jsonCodec)).toEqual([
      { ok: true, message: { type: 'hello', params: null } },
    ]);
  });

  it('accepts an empty lastEventId', () => {
    const subscribe = { type: 'subscribe', id: 's', path: 'p', lastEventId: '' } as const;
    expect(decodeClientFrame(JSON.stringify(subscribe), jsonCodec)).toEqual([{ ok: true, message: subscribe }]);
  });

  it('drops fields the message type does not define', () => {
    const frame = JSON.stringify([
      { type: 'ping', id: 'x', extra: 1 },
      { type: 'cancel', id: 'c', reason: 'later' },
    ]);
    const decoded = decodeClientFrame(frame, jsonCodec);
    expect(decoded).toStrictEqual([
      { ok: true, message: { type: 'ping' } },
      { ok: true, message: { type: 'cancel', id: 'c' } },
    ]);
  });

  it('accepts a null input with the json codec', () => {
    const decoded = decodeClientFrame('{"type":"call","id":"n","path":"p","input":null}', jsonCodec);
    expect(decoded).toEqual([{ ok: true, message: { type: 'call', id: 'n', path: 'p', input: null } }]);
  });

  it('accepts a batch of one message and a batch of exactly MAX_BATCH_SIZE messages', () => {
    expect(decodeClientFrame(pings(1), jsonCodec)).toEqual([{ ok: true, message: { type: 'ping' } }]);
    const decoded = decodeClientFrame(pings(MAX_BATCH_SIZE), jsonCodec);
    expect(decoded).toHaveLength(MAX_BATCH_SIZE);
    expect(decoded.every((item) => item.ok)).toBe(true);
  });

  it('decodes each message of a batch on its own, in order', () => {
    const frame = JSON.stringify([
      { type: 'ping' },
      3,
      { type: 'cancel', id: 'q' },
      { type: 'call', id: 'm', path: '' },
    ]);
    const decoded = decodeClientFrame(frame, jsonCodec);
    expect(decoded.map((item) => (item.ok ? item.message : { id: item.id, error: item.error.message }))).toEqual([
      { type: 'ping' },
      { id: undefined, error: 'a message must be an object, got number' },
      { type: 'cancel', id: 'q' },
      { id: 'm', error: 'invalid "call" message: `path`: Too small: expected string to have >=1 characters' },
    ]);
  });

  it('keeps what superjson threw as the cause of an undecodable payload', () => {
    const frame = JSON.stringify({ type: 'call', id: 'm', path: 'p', input: { json: 'x', meta: { values: ['bigint'] } } });
    const decoded = decodeOnly(decodeClientFrame, frame);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.cause).toBeInstanceOf(Error);
  });
});

describe('decodeServerFrame on valid frames', () => {
  it('accepts a welcome with heartbeatIntervalMs 0 (no application pings) and no expiresAt', () => {
    const welcome = { type: 'welcome', ...welcomeFields, heartbeatIntervalMs: 0 } as const;
    expect(decodeServerFrame(JSON.stringify(welcome), superjsonCodec)).toEqual([{ ok: true, message: welcome }]);
  });

  it('accepts a welcome with a connectionId of MAX_ID_LENGTH characters and an expiresAt', () => {
    const welcome = { type: 'welcome', ...welcomeFields, connectionId: 'c'.repeat(MAX_ID_LENGTH), expiresAt: 1_795_472_400_000 } as const;
    expect(decodeServerFrame(JSON.stringify(welcome), jsonCodec)).toEqual([{ ok: true, message: welcome }]);
  });

  it('drops unknown fields of a welcome, its limits included', () => {
    const frame = JSON.stringify({ type: 'welcome', ...welcomeFields, region: 'eu', limits: { ...welcomeFields.limits, maxRate: 5 } });
    expect(decodeServerFrame(frame, jsonCodec)).toStrictEqual([{ ok: true, message: { type: 'welcome', ...welcomeFields } }]);
  });

  it('accepts a goaway with reconnectWithinMs 0 (reconnect at once)', () => {
    const goaway = { type: 'goaway', reconnectWithinMs: 0 } as const;
    expect(decodeServerFrame(JSON.stringify(goaway), jsonCodec)).toEqual([{ ok: true, message: goaway }]);
  });
});

/** Every message type, with its payloads set to `payload` and every optional field used at least once. */
function sampleMessages(payload: unknown): { client: ClientMessage[]; server: ServerMessage[] } {
  return {
    client: [
      { type: 'hello', params: payload },
      { type: 'hello' },
      { type: 'auth', params: payload },
      { type: 'auth' },
      { type: 'call', id: 'c1', path: 'chat.send', input: payload, timeoutMs: 5000, meta: { traceId: 't-1', locale: 'fr-FR' } },
      { type: 'call', id: 'c2', path: 'ping' },
      {
        type: 'subscribe',
        id: 's1',
        path: 'chat.messages',
        input: payload,
        timeoutMs: 60_000,
        meta: { traceId: 't-2' },
        lastEventId: 'e-41',
      },
      { type: 'subscribe', id: 's2', path: 'ticks' },
      { type: 'cancel', id: 's1' },
      { type: 'ping' },
    ],
    server: [
      {
        type: 'welcome',
        connectionId: 'V1StGXR8_Z5jdHi6B-myT',
        heartbeatIntervalMs: 30_000,
        limits: { maxPayloadBytes: 1_048_576, maxInFlightCalls: 1024, maxSubscriptions: 1024 },
        expiresAt: 1_795_472_400_000,
      },
      {
        type: 'welcome',
        connectionId: 'c',
        heartbeatIntervalMs: 0,
        limits: { maxPayloadBytes: 1, maxInFlightCalls: 1, maxSubscriptions: 1 },
      },
      { type: 'result', id: 'c1', output: payload },
      { type: 'result', id: 'c2' },
      { type: 'error', id: 'c1', error: { code: 'ROOM_FULL', message: 'room is full', data: payload } },
      { type: 'error', id: 'c2', error: { code: 'NOT_FOUND', message: 'no procedure at "x"' } },
      { type: 'event', id: 's1', data: payload, eventId: 'e-42' },
      { type: 'event', id: 's2' },
      { type: 'complete', id: 's1' },
      { type: 'gap', id: 's1', reason: 'expired' },
      { type: 'pong' },
      { type: 'goaway', reason: 'server shutting down', reconnectWithinMs: 2000 },
      { type: 'goaway', reason: 'server shutting down' },
      { type: 'goaway', reconnectWithinMs: 0 },
      { type: 'goaway' },
    ],
  };
}

/** The payload field of a message, if it has one. */
function payloadOf(message: AnyMessage): unknown {
  switch (message.type) {
    case 'hello':
    case 'auth':
      return message.params;
    case 'call':
    case 'subscribe':
      return message.input;
    case 'result':
      return message.output;
    case 'event':
      return message.data;
    case 'error':
      return message.error.data;
    case 'welcome':
    case 'cancel':
    case 'ping':
    case 'complete':
    case 'gap':
    case 'pong':
    case 'goaway':
      return undefined;
  }
}

const jsonPayload = { text: 'hi', count: 1.5, list: [1, null, 'x', false], nested: { ok: true } };
const superjsonPayload = {
  at: new Date('2026-11-23T10:00:00.000Z'),
  tags: new Set(['a', 'b']),
  counts: new Map<string, bigint>([['k', 2n ** 70n]]),
  big: -(2n ** 64n),
  nothing: undefined,
  list: [undefined, new Date(0), new Map([[1, new Set([1])]])],
};

const roundTrips = [
  { codec: jsonCodec, payload: jsonPayload as unknown },
  { codec: superjsonCodec, payload: superjsonPayload as unknown },
].flatMap(({ codec, payload }) => {
  const { client, server } = sampleMessages(payload);
  return [
    ...client.map((message) => ({ codec, message, decode: decodeClientFrame })),
    ...server.map((message) => ({ codec, message, decode: decodeServerFrame })),
  ];
});

describe('encodeMessage then decoding', () => {
  it('covers every message type with both codecs', () => {
    for (const codec of [jsonCodec, superjsonCodec]) {
      const types = new Set(roundTrips.filter((trip) => trip.codec === codec).map((trip) => trip.message.type));
      expect([...types].sort()).toEqual(Object.values(MessageType).sort());
    }
  });

  it.each(roundTrips.map((trip) => ({ ...trip, type: trip.message.type, codecName: trip.codec.name })))(
    'round-trips a $type message through the $codecName codec',
    ({ codec, message, decode }) => {
      const decoded = decode(encodeMessage(message, codec), codec);
      expect(decoded).toEqual([{ ok: true, message }]);
      const [item] = decoded;
      if (item?.ok !== true) throw new Error('expected the message to decode');
      // `toStrictEqual` on the payload: class instances, bigints and own `undefined` keys survive.
      expect(payloadOf(item.message)).toStrictEqual(payloadOf(message));
    },
  );

  it('keeps the envelope plain JSON and wraps only payloads with superjson', () => {
    const call = JSON.parse(
      encodeMessage({ type: 'call', id: '1', path: 'a.b', input: { at: new Date(0) }, timeoutMs: 10 }, superjsonCodec),
    ) as unknown;
    expect(call).toEqual({
      type: 'call',
      id: '1',
      path: 'a.b',
      timeoutMs: 10,
      input: { json: { at: '1970-01-01T00:00:00.000Z' }, meta: { values: { at: ['Date'] }, v: 1 } },
    });
    const error = JSON.parse(
      encodeMessage({ type: 'error', id: '1', error: { code: 'X', message: 'm', data: 1n } }, superjsonCodec),
    ) as unknown;
    expect(error).toEqual({
      type: 'error',
      id: '1',
      error: { code: 'X', message: 'm', data: { json: '1', meta: { values: ['bigint'], v: 1 } } },
    });
  });

  it.each([jsonCodec, superjsonCodec])('leaves an undefined payload out of the wire with the $name codec', (codec) => {
    expect(encodeMessage({ type: 'call', id: '1', path: 'p', input: undefined }, codec)).toBe(
      '{"type":"call","id":"1","path":"p"}',
    );
    expect(encodeMessage({ type: 'result', id: '1', output: undefined }, codec)).toBe('{"type":"result","id":"1"}');
    expect(encodeMessage({ type: 'error', id: '1', error: { code: 'X', message: 'm' } }, codec)).toBe(
      '{"type":"error","id":"1","error":{"code":"X","message":"m"}}',
    );
    expect(encodeMessage({ type: 'hello', params: undefined }, codec)).toBe('{"type":"hello"}');
    expect(encodeMessage({ type: 'auth' }, codec)).toBe('{"type":"auth"}');
  });

  it('wraps hello and auth params with superjson, and leaves welcome and goaway plain JSON', () => {
    const params = { token: 't', issuedAt: new Date(0) };
    const wrapped = { json: { token: 't', issuedAt: '1970-01-01T00:00:00.000Z' }, meta: { values: { issuedAt: ['Date'] }, v: 1 } };
    expect(JSON.parse(encodeMessage({ type: 'hello', params }, superjsonCodec))).toEqual({ type: 'hello', params: wrapped });
    expect(JSON.parse(encodeMessage({ type: 'auth', params }, superjsonCodec))).toEqual({ type: 'auth', params: wrapped });
    const welcome = { type: 'welcome', ...welcomeFields, expiresAt: 1_795_472_400_000 } as const;
    expect(JSON.parse(encodeMessage(welcome, superjsonCodec))).toEqual(welcome);
    const goaway = { type: 'goaway', reason: 'server shutting down', reconnectWithinMs: 2000 } as const;
    expect(encodeMessage(goaway, superjsonCodec)).toBe(JSON.stringify(goaway));
  });

  it('carries only JSON with the json codec: a Date arrives as its ISO string, a BigInt cannot be encoded', () => {
    const encoded = encodeMessage({ type: 'result', id: '1', output: { at: new Date(0) } }, jsonCodec);
    expect(decodeServerFrame(encoded, jsonCodec)).toEqual([
      { ok: true, message: { type: 'result', id: '1', output: { at: '1970-01-01T00:00:00.000Z' } } },
    ]);
    expect(() => encodeMessage({ type: 'result', id: '1', output: 1n }, jsonCodec)).toThrow(TypeError);
  });
});

/** A `call` encoded with the json codec whose JSON text is exactly `length` characters long. */
function encodedOfLength(id: string, length: number): string {
  const base = encodeMessage({ type: 'call', id, path: 'p', input: '' }, jsonCodec).length;
  const encoded = encodeMessage({ type: 'call', id, path: 'p', input: 'x'.repeat(length - base) }, jsonCodec);
  expect(encoded).toHaveLength(length);
  return encoded;
}

const smallMessages = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => encodeMessage({ type: 'cancel', id: String(index) }, jsonCodec));

/** How many messages a frame built by `encodeFrames` carries. */
const messagesIn = (frame: string): number => (frame.startsWith('[') ? (JSON.parse(frame) as unknown[]).length : 1);

/** Decodes every frame and lists the ids of the messages, in order. */
function idsIn(frames: readonly string[]): string[] {
  return frames.flatMap((frame) =>
    decodeClientFrame(frame, jsonCodec).map((item) => (item.ok && 'id' in item.message ? item.message.id : '?')),
  );
}

describe('encodeFrames', () => {
  it('builds no frame from no message', () => {
    expect(encodeFrames([])).toEqual([]);
  });

  it('sends a lone message as a bare object, not as a batch', () => {
    const [encoded] = smallMessages(1);
    expect(encodeFrames([encoded as string])).toEqual([encoded]);
  });

  it('joins several messages into one batch frame, in order', () => {
    const encoded = smallMessages(3);
    expect(encodeFrames(encoded)).toEqual([`[${encoded.join(',')}]`]);
  });

  it.each([
    { count: MAX_BATCH_SIZE, sizes: [MAX_BATCH_SIZE] },
    { count: MAX_BATCH_SIZE + 1, sizes: [MAX_BATCH_SIZE, 1] },
    { count: 2 * MAX_BATCH_SIZE + 1, sizes: [MAX_BATCH_SIZE, MAX_BATCH_SIZE, 1] },
  ])('splits $count messages into frames of $sizes messages (MAX_BATCH_SIZE)', ({ count, sizes }) => {
    const encoded = smallMessages(count);
    const frames = encodeFrames(encoded);
    expect(frames.map(messagesIn)).toEqual(sizes);
    expect(idsIn(frames)).toEqual(encoded.map((_, index) => String(index)));
  });

  it('starts a new frame when the next message would pass MAX_BATCH_FRAME_LENGTH', () => {
    const third = Math.floor(MAX_BATCH_FRAME_LENGTH / 3);
    const encoded = ['a', 'b', 'c', 'd', 'e'].map((id) => encodedOfLength(id, third));
    const frames = encodeFrames(encoded);
    expect(frames.map(messagesIn)).toEqual([2, 2, 1]);
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(MAX_BATCH_FRAME_LENGTH);
    expect(idsIn(frames)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('packs a batch frame of exactly MAX_BATCH_FRAME_LENGTH characters', () => {
    // Two messages, a comma and two brackets.
    const first = encodedOfLength('a', 30_000);
    const second = encodedOfLength('b', MAX_BATCH_FRAME_LENGTH - 30_000 - 3);
    const frames = encodeFrames([first, second]);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toHaveLength(MAX_BATCH_FRAME_LENGTH);
  });

  it('splits a batch that would be two characters over MAX_BATCH_FRAME_LENGTH', () => {
    const first = encodedOfLength('a', 30_000);
    const second = encodedOfLength('b', MAX_BATCH_FRAME_LENGTH - 30_000 - 1);
    expect(encodeFrames([first, second])).toEqual([first, second]);
  });

  it('never builds a batch frame longer than MAX_BATCH_FRAME_LENGTH', () => {
    const first = encodedOfLength('a', 30_000);
    const second = encodedOfLength('b', MAX_BATCH_FRAME_LENGTH - 30_000 - 2);
    for (const frame of encodeFrames([first, second])) {
      if (frame.startsWith('[')) expect(frame.length).toBeLessThanOrEqual(MAX_BATCH_FRAME_LENGTH);
    }
  });

  it('sends a message longer than MAX_BATCH_FRAME_LENGTH alone, between its neighbours', () => {
    const [before, after] = smallMessages(2) as [string, string];
    const huge = encodedOfLength('huge', MAX_BATCH_FRAME_LENGTH + 10);
    expect(encodeFrames([before, huge, after])).toEqual([before, huge, after]);
  });
});

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

describe('limitCloseReason', () => {
  // RFC 6455 §5.5: a close frame's payload is at most 125 bytes, 2 of them the code.
  const MAX_REASON_BYTES = 123;

  it.each([
    { name: 'an empty reason', reason: '', expected: '' },
    { name: 'a short reason', reason: 'bye', expected: 'bye' },
    { name: '123 ASCII bytes', reason: 'a'.repeat(123), expected: 'a'.repeat(123) },
    { name: '123 bytes ending in a 2-byte character', reason: `a${'é'.repeat(61)}`, expected: `a${'é'.repeat(61)}` },
    { name: '123 bytes of 3-byte characters', reason: '€'.repeat(41), expected: '€'.repeat(41) },
    { name: '124 ASCII bytes', reason: 'a'.repeat(124), expected: `${'a'.repeat(120)}...` },
    { name: '124 bytes of 2-byte characters', reason: 'é'.repeat(62), expected: `${'é'.repeat(60)}...` },
    { name: '126 bytes of 3-byte characters', reason: '€'.repeat(42), expected: `${'€'.repeat(40)}...` },
    { name: '124 bytes of 4-byte characters', reason: '😀'.repeat(31), expected: `${'😀'.repeat(30)}...` },
    { name: 'a 4-byte character across the cut', reason: `a${'😀'.repeat(31)}`, expected: `a${'😀'.repeat(29)}...` },
    { name: 'a 3-byte character across the cut', reason: `ab${'€'.repeat(41)}`, expected: `ab${'€'.repeat(39)}...` },
  ])('keeps at most 123 UTF-8 bytes of whole characters: $name', ({ reason, expected }) => {
    const limited = limitCloseReason(reason);
    expect(limited).toBe(expected);
    expect(utf8Bytes(limited)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    // No surrogate half is left behind by the cut.
    expect(limited).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});

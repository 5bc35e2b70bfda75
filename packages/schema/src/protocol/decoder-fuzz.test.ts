import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { jsonCodec, superjsonCodec } from './codec.js';
import { readClientEnvelope, readServerEnvelope } from './fast-envelope.js';
import { decodeClientFrame, decodeServerFrame } from './frame.js';
import { clientMessageSchemas, MessageType, serverMessageSchemas } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import { richCodec } from './rich-codec.js';

/** Frames that look like ours often enough to reach the deep branches of the decoder. */
const messageLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...Object.values(MessageType)), fc.string()),
    id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    path: fc.oneof(fc.constantFrom('a', 'a.b', '__proto__'), fc.string()),
    input: fc.oneof(
      fc.jsonValue(),
      fc.record({ json: fc.jsonValue(), meta: fc.jsonValue() }),
      // Rich-codec tags, well-formed or not.
      fc.dictionary(fc.constantFrom('$d', '$n', '$u', '$f', '$m', '$s', '$l', '$o', '$x', 'a'), fc.jsonValue(), { maxKeys: 2 }),
    ),
    params: fc.jsonValue(),
    timeoutMs: fc.oneof(fc.integer(), fc.double()),
    meta: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
    lastEventId: fc.oneof(fc.string(), fc.integer()),
    eventId: fc.oneof(fc.string(), fc.integer()),
    output: fc.jsonValue(),
    data: fc.jsonValue(),
    error: fc.oneof(
      fc.record({ code: fc.string(), message: fc.oneof(fc.string(), fc.integer()), data: fc.jsonValue() }, { requiredKeys: [] }),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);
const frames = fc.oneof(
  fc.string(),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  messageLike.map((value) => JSON.stringify(value)),
  fc.array(messageLike, { maxLength: 8 }).map((value) => JSON.stringify(value)),
);

/** Runs `decode` and checks its contract: a typed decode error, or entries that are valid messages or typed errors. */
function checkContract(decode: () => { ok: boolean; message?: unknown; error?: unknown }[], schemas: Record<string, { safeParse: (value: unknown) => { success: boolean } }>): void {
  let decoded;
  try {
    decoded = decode();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return;
  }
  for (const item of decoded) {
    if (!item.ok) {
      expect(item.error).toBeInstanceOf(ProtocolError);
      continue;
    }
    const message = item.message as { type: string };
    expect(Object.hasOwn(schemas, message.type)).toBe(true);
    expect(schemas[message.type]?.safeParse(message).success).toBe(true);
  }
}

describe('decoder fuzz', () => {
  it.each([jsonCodec, superjsonCodec, richCodec])('decodeClientFrame only returns valid messages or ProtocolErrors ($name)', (codec) => {
    fc.assert(
      fc.property(frames, (frame) => {
        checkContract(() => decodeClientFrame(frame, codec), clientMessageSchemas);
      }),
      { numRuns: 400 },
    );
  });

  it.each([jsonCodec, superjsonCodec, richCodec])('decodeServerFrame only returns valid messages or ProtocolErrors ($name)', (codec) => {
    fc.assert(
      fc.property(frames, (frame) => {
        checkContract(() => decodeServerFrame(frame, codec), serverMessageSchemas);
      }),
      { numRuns: 400 },
    );
  });

  it('the fast envelope checks accept only what the zod schemas accept, with the same result', () => {
    fc.assert(
      fc.property(messageLike, (raw) => {
        const client = readClientEnvelope(raw);
        if (client !== undefined) expect(clientMessageSchemas[client.type].parse(raw)).toEqual(client);
        const server = readServerEnvelope(raw);
        if (server !== undefined) expect(serverMessageSchemas[server.type].parse(raw)).toEqual(server);
      }),
      { numRuns: 2000 },
    );
  });
});

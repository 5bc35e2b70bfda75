import type { z } from 'zod';

import type { Codec } from './codec.js';
import {
  clientMessageSchemas,
  MAX_BATCH_SIZE,
  MAX_ID_LENGTH,
  serverMessageSchemas,
  type ClientMessage,
  type ServerMessage,
} from './messages.js';
import { readClientEnvelope, readServerEnvelope } from './fast-envelope.js';
import { ProtocolError } from './protocol-error.js';

/**
 * One message of a decoded frame: either the valid message, or why it is invalid
 * together with its id when the id could be read (so the receiver can answer it).
 */
export type DecodedMessage<TMessage> =
  | { readonly ok: true; readonly message: TMessage }
  | { readonly ok: false; readonly id: string | undefined; readonly error: ProtocolError };

type AnyMessage = ClientMessage | ServerMessage;

/**
 * Applies `codecStep` to the payload field of a message. The message itself is
 * returned when the payload comes back unchanged (plain JSON through the rich or
 * JSON codec): no copy on the hot path.
 */
function mapPayload<TMessage extends AnyMessage>(message: TMessage, codecStep: (value: unknown) => unknown): TMessage {
  switch (message.type) {
    case 'hello':
    case 'auth':
      return withField(message, 'params', message.params, codecStep);
    case 'call':
    case 'subscribe':
      return withField(message, 'input', message.input, codecStep);
    case 'result':
      return withField(message, 'output', message.output, codecStep);
    case 'event':
      return withField(message, 'data', message.data, codecStep);
    case 'error': {
      const { error } = message;
      if (error.data === undefined) return message;
      const data = codecStep(error.data);
      return data === error.data ? message : { ...message, error: { ...error, data } };
    }
    case 'welcome':
    case 'cancel':
    case 'ping':
    case 'complete':
    case 'gap':
    case 'pong':
    case 'goaway':
      return message;
  }
}

/** `message` with `key` (holding `value`) passed through `codecStep`; an absent payload stays absent on the wire. */
function withField<TMessage extends AnyMessage>(
  message: TMessage,
  key: string,
  value: unknown,
  codecStep: (value: unknown) => unknown,
): TMessage {
  if (value === undefined) return message;
  const mapped = codecStep(value);
  return mapped === value ? message : { ...message, [key]: mapped };
}

/**
 * Encodes one message as JSON text, its payload through `codec`. Throws when the
 * payload cannot be encoded (a cycle, or a value the codec does not support), so
 * the sender can answer with an error instead of losing the message.
 */
export function encodeMessage(message: AnyMessage, codec: Codec): string {
  return JSON.stringify(mapPayload(message, codec.encode));
}

/**
 * Largest batch frame a sender builds, in UTF-16 code units of JSON text (so at
 * most 192 KiB of UTF-8). A single larger message still travels alone.
 */
export const MAX_BATCH_FRAME_LENGTH = 64 * 1024;

/**
 * Length of queued JSON text (UTF-16 code units) at which a sender sends its
 * batch before the run of messages ends, so that the receiver starts on it while
 * the sender goes on. A deep pipeline then keeps both ends busy instead of each
 * waiting for the other's whole run; at this size the extra frames cost little.
 */
export const BATCH_FLUSH_LENGTH = 4 * 1024;

function joinBatch(encoded: readonly string[]): string {
  return encoded.length === 1 ? (encoded[0] as string) : `[${encoded.join(',')}]`;
}

/**
 * Packs messages produced by `encodeMessage` into as few text frames as the
 * limits allow: a lone message is sent as is, several as a JSON array (a batch)
 * of at most `MAX_BATCH_SIZE` messages and `maxFrameLength` characters (default
 * `MAX_BATCH_FRAME_LENGTH`; a receiver's smaller frame limit calls for a smaller one).
 */
export function encodeFrames(encoded: readonly string[], maxFrameLength = MAX_BATCH_FRAME_LENGTH): string[] {
  const frames: string[] = [];
  // A batch of n messages is their lengths, n - 1 commas and two brackets: one more than Σ(length + 1).
  const emptyBatchLength = 1;
  let start = 0;
  let length = emptyBatchLength;
  for (let index = 0; index < encoded.length; index += 1) {
    const size = (encoded[index] as string).length + 1;
    if (index > start && (index - start >= MAX_BATCH_SIZE || length + size > maxFrameLength)) {
      frames.push(joinBatch(encoded.slice(start, index)));
      start = index;
      length = emptyBatchLength;
    }
    length += size;
  }
  if (start < encoded.length) frames.push(joinBatch(start === 0 ? encoded : encoded.slice(start)));
  return frames;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function readId(value: object): string | undefined {
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : undefined;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : 'message';
  return `\`${field}\`: ${issue.message}`;
}

/** Deepest nesting of a payload a server accepts, counted in objects and arrays (the codec's wrapper included). */
export const MAX_PAYLOAD_DEPTH = 64;

/**
 * Most values (objects, arrays and primitives, the codec's wrapper included) in
 * one client payload. Validation time grows with them, and worst with invalid
 * ones: zod builds an issue per invalid value, about 1 µs each, and cannot stop
 * early. This caps one message's validation at about 100 ms.
 */
export const MAX_PAYLOAD_VALUES = 100_000;

/**
 * Refuses what no validator should have to walk: nesting deeper than
 * `MAX_PAYLOAD_DEPTH` (recursive validators and `JSON.stringify` overflow the
 * stack long before `JSON.parse` does) and `__proto__` keys (prototype
 * pollution through code that merges inputs into objects).
 */
function checkPayload(value: unknown): void {
  checkValue(value, 1, MAX_PAYLOAD_VALUES);
}

/** Checks one value and what it holds; returns how many more values the payload may hold. */
function checkValue(value: unknown, depth: number, budget: number): number {
  let left = budget - 1;
  if (left < 0) throw new ProtocolError(`payload holds more than ${String(MAX_PAYLOAD_VALUES)} values`);
  if (typeof value !== 'object' || value === null) return left;
  if (depth > MAX_PAYLOAD_DEPTH) throw new ProtocolError(`payload nests deeper than ${String(MAX_PAYLOAD_DEPTH)} levels`);
  if (Array.isArray(value)) {
    for (const item of value) left = checkValue(item, depth + 1, left);
    return left;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__') throw new ProtocolError('payload has a forbidden key "__proto__"');
    left = checkValue((value as Record<string, unknown>)[key], depth + 1, left);
  }
  return left;
}

function payloadOf(message: AnyMessage): unknown {
  if (message.type === 'hello' || message.type === 'auth') return message.params;
  if (message.type === 'call' || message.type === 'subscribe') return message.input;
  return undefined;
}

/** How one direction reads its messages: the fast hand-written check, then the zod schemas. */
interface Reader<TMessage extends AnyMessage> {
  readonly fast: (raw: Record<string, unknown>) => TMessage | undefined;
  readonly schemas: Readonly<Record<string, z.ZodType<TMessage>>>;
  /** Whether payloads are checked for depth and `__proto__` keys (what a server receives). */
  readonly checkPayloads: boolean;
}

function decodePayload<TMessage extends AnyMessage>(
  message: TMessage,
  id: string | undefined,
  codec: Codec,
  checkPayloads: boolean,
): DecodedMessage<TMessage> {
  try {
    if (checkPayloads) checkPayload(payloadOf(message));
    return { ok: true, message: mapPayload(message, codec.decode) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'payload could not be decoded';
    return { ok: false, id, error: new ProtocolError(reason, { cause: error }) };
  }
}

function decodeOne<TMessage extends AnyMessage>(value: unknown, reader: Reader<TMessage>, codec: Codec): DecodedMessage<TMessage> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id: undefined, error: new ProtocolError(`a message must be an object, got ${describe(value)}`) };
  }
  const fast = reader.fast(value as Record<string, unknown>);
  if (fast !== undefined) return decodePayload(fast, (fast as { id?: string }).id, codec, reader.checkPayloads);
  const { schemas } = reader;
  const id = readId(value);
  const type = (value as { type?: unknown }).type;
  const schema = typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) {
    const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 32)) : describe(type);
    return { ok: false, id, error: new ProtocolError(`\`type\` must be a known message type, got ${shown}`) };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const detail = first === undefined ? 'invalid message' : formatIssue(first);
    return { ok: false, id, error: new ProtocolError(`invalid "${String(type)}" message: ${detail}`) };
  }
  return decodePayload(parsed.data, id, codec, reader.checkPayloads);
}

function decodeFrame<TMessage extends AnyMessage>(data: string, reader: Reader<TMessage>, codec: Codec): DecodedMessage<TMessage>[] {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new ProtocolError('frame is not valid JSON');
  }
  if (!Array.isArray(value)) return [decodeOne(value, reader, codec)];
  if (value.length === 0) throw new ProtocolError('a batch frame must hold at least one message');
  if (value.length > MAX_BATCH_SIZE) {
    throw new ProtocolError(`a batch frame holds at most ${String(MAX_BATCH_SIZE)} messages, got ${String(value.length)}`);
  }
  return value.map((item) => decodeOne(item, reader, codec));
}

const clientReader: Reader<ClientMessage> = { fast: readClientEnvelope, schemas: clientMessageSchemas, checkPayloads: true };
const serverReader: Reader<ServerMessage> = { fast: readServerEnvelope, schemas: serverMessageSchemas, checkPayloads: false };

/**
 * Decodes a text frame sent by a client. Throws `ProtocolError` when the frame as
 * a whole is unusable (not JSON, empty or oversized batch); otherwise returns one
 * entry per message, valid or not, in order. Payloads are checked for depth and
 * `__proto__` keys, and their number of values, before the codec sees them
 * (`MAX_PAYLOAD_DEPTH`, `MAX_PAYLOAD_VALUES`).
 */
export function decodeClientFrame(data: string, codec: Codec): DecodedMessage<ClientMessage>[] {
  return decodeFrame(data, clientReader, codec);
}

/** Decodes a text frame sent by a server; same contract as `decodeClientFrame`. */
export function decodeServerFrame(data: string, codec: Codec): DecodedMessage<ServerMessage>[] {
  return decodeFrame(data, serverReader, codec);
}

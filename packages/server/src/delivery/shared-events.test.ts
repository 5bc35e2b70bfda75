import { encodeEventHead, encodeMessage, jsonCodec, MessageType, richCodec } from '@wirecall/schema/protocol';
import { describe, expect, it } from 'vitest';

import { sharedFrame } from './shared-events.js';
import { Tracked } from './tracked.js';

const decode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('sharedFrame', () => {
  it('makes the message encodeMessage makes, as text and as its UTF-8 bytes', () => {
    const event = new Tracked('e.1', { text: 'héllo', at: new Date(0) });
    for (const codec of [jsonCodec, richCodec]) {
      const frame = sharedFrame(event, codec, encodeEventHead('s'));
      const expected = encodeMessage({ type: MessageType.Event, id: 's', data: event.data, eventId: 'e.1' }, codec);
      expect(frame.text).toBe(expected);
      expect(decode(frame.bytes)).toBe(expected);
    }
  });

  it('hands subscribers of one event with equal ids the same frame, and others their own', () => {
    const event = new Tracked('e.2', { n: 2 });
    const first = sharedFrame(event, jsonCodec, encodeEventHead('s'));
    const other = sharedFrame(event, jsonCodec, encodeEventHead('t'));
    // A head made again (another subscription with the same id) finds the frame.
    expect(sharedFrame(event, jsonCodec, encodeEventHead('s'))).toBe(first);
    expect(decode(other.bytes)).toBe('{"type":"event","id":"t","data":{"n":2},"eventId":"e.2"}');

    const next = new Tracked('e.3', { n: 3 });
    expect(decode(sharedFrame(next, jsonCodec, encodeEventHead('s')).bytes)).toBe('{"type":"event","id":"s","data":{"n":3},"eventId":"e.3"}');
  });

  it('keeps at most 64 frames of one event', () => {
    const event = new Tracked('e.4', { n: 4 });
    const heads = Array.from({ length: 65 }, (_, index) => encodeEventHead(`s${String(index)}`));
    const frames = heads.map((head) => sharedFrame(event, jsonCodec, head));
    expect(sharedFrame(event, jsonCodec, heads[63] as string)).toBe(frames[63]);
    const last = sharedFrame(event, jsonCodec, heads[64] as string);
    expect(last).not.toBe(frames[64]);
    expect(last.text).toBe(frames[64]?.text);
  });
});

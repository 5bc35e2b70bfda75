import { describe, expect, it } from 'vitest';

import { jsonCodec, superjsonCodec } from './codec.js';
import { encodeEventHead, encodeEventTail } from './event-frame.js';
import { decodeServerFrame, encodeMessage } from './frame.js';
import { richCodec } from './rich-codec.js';

const payloads: unknown[] = [
  { seq: 1, sentAt: 1_700_000_000_000 },
  { at: new Date(0), tags: new Set(['a']), $weird: 'x' },
  'text with "quotes" and \u2028',
  0,
  null,
  [1, [2, { three: 3 }]],
  undefined,
];

describe('encodeEventHead + encodeEventTail', () => {
  for (const codec of [richCodec, superjsonCodec, jsonCodec]) {
    it(`makes the text encodeMessage makes, with the ${codec.name} codec`, () => {
      for (const data of payloads) {
        for (const eventId of [undefined, 'epoch.1f', 'a "quoted" id']) {
          const shared = encodeEventHead('s"1') + encodeEventTail(data, eventId, codec);
          const message = eventId === undefined ? { type: 'event', id: 's"1', data } as const : { type: 'event', id: 's"1', data, eventId } as const;
          expect(shared).toBe(encodeMessage(message, codec));
          // The JSON codec sends Dates as strings and Sets as objects: only the rich codecs round-trip them.
          if (codec !== jsonCodec) expect(decodeServerFrame(shared, codec)).toEqual([{ ok: true, message }]);
        }
      }
    });
  }

  it('throws as encodeMessage does when the data cannot be encoded', () => {
    expect(() => encodeEventTail({ run: () => 1 }, undefined, richCodec)).toThrow(TypeError);
  });
});

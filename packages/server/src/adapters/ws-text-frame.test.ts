import { describe, expect, it } from 'vitest';

import { sharedTextFrame, textFrame } from './ws-text-frame.js';

describe('textFrame', () => {
  // RFC 6455 §5.2: FIN and the text opcode (0x81), no mask bit, then the payload length in 7 bits,
  // or 126 and 16 bits, or 127 and 64 bits, big-endian.
  it.each([
    { length: 0, header: [0x81, 0] },
    { length: 125, header: [0x81, 125] },
    { length: 126, header: [0x81, 126, 0, 126] },
    { length: 65_535, header: [0x81, 126, 0xff, 0xff] },
    { length: 65_536, header: [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0] },
  ])('frames $length bytes behind a header of $header.length bytes', ({ length, header }) => {
    const payload = Buffer.alloc(length, 'a');
    const frame = textFrame(payload);
    expect([...frame.subarray(0, header.length)]).toEqual(header);
    expect(frame.subarray(header.length).equals(payload)).toBe(true);
  });
});

describe('sharedTextFrame', () => {
  it('frames a payload once for the sockets that send it in a row, and each new payload anew', () => {
    const first = new TextEncoder().encode('{"a":1}');
    const second = new TextEncoder().encode('{"b":2}');
    const frame = sharedTextFrame(first);
    expect(sharedTextFrame(first)).toBe(frame);
    expect(sharedTextFrame(second).subarray(2).toString()).toBe('{"b":2}');
    expect(sharedTextFrame(first)).not.toBe(frame);
    expect(sharedTextFrame(first).equals(frame)).toBe(true);
  });

  it('frames only the bytes of a view into a larger buffer', () => {
    const whole = Buffer.from('xx{"c":3}yy');
    expect(sharedTextFrame(whole.subarray(2, 9)).subarray(2).toString()).toBe('{"c":3}');
  });
});

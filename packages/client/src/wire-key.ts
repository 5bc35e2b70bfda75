import type { Codec } from '@wirecall/schema/protocol';

/**
 * `value` as `codec` puts it on the wire, for telling values apart by what a
 * server would receive (connection params, subscription inputs). `undefined`
 * when the codec cannot encode it: such a value never equals another.
 */
export function wireKey(codec: Codec, value: unknown): string | undefined {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(codec.encode(value));
  } catch {
    return undefined;
  }
}

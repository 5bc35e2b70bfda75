/** A Redis stream entry id as Redis writes it: `<milliseconds>-<sequence>`, decimal, no leading zeros. */
const STREAM_ID = /^(?:0|[1-9]\d{0,19})-(?:0|[1-9]\d{0,19})$/;

/** Whether `id` has the form of a Redis stream entry id. */
export function isStreamId(id: string): boolean {
  return STREAM_ID.test(id);
}

/** Compares two decimal numbers without leading zeros (as strings: they may exceed 2^53). */
function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two valid stream ids as Redis does: negative if `a` comes first, 0 if equal. */
export function compareStreamIds(a: string, b: string): number {
  const dashA = a.indexOf('-');
  const dashB = b.indexOf('-');
  return compareDecimal(a.slice(0, dashA), b.slice(0, dashB)) || compareDecimal(a.slice(dashA + 1), b.slice(dashB + 1));
}

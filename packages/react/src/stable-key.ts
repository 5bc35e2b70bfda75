const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/** A number that names `value` for as long as it lives: the key of values that have no content key. */
function identityOf(value: object): number {
  let identity = identities.get(value);
  if (identity === undefined) {
    nextIdentity += 1;
    identity = nextIdentity;
    identities.set(value, identity);
  }
  return identity;
}

function encodeNumber(value: number): string {
  // JSON writes NaN and ±Infinity as null and -0 as 0; the codec (superjson) keeps them apart.
  if (Object.is(value, -0)) return '-0';
  return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
}

function encode(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return encodeNumber(value);
    case 'bigint':
      return `${value.toString()}n`;
    case 'string':
      return JSON.stringify(value);
    case 'symbol':
      // Not carried on the wire; its description is all a server could tell apart.
      return value.toString();
    case 'function':
      // Not carried on the wire; keyed by identity so that a new one counts as a change.
      return `#${String(identityOf(value))}`;
    case 'object':
      break;
  }
  if (value === null) return 'null';
  if (ancestors.has(value)) return `#${String(identityOf(value))}`;
  ancestors.add(value);
  try {
    return encodeObject(value, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function encodeObject(value: object, ancestors: Set<object>): string {
  if (value instanceof Date) return `Date(${encodeNumber(value.getTime())})`;
  if (value instanceof RegExp) return `RegExp(${JSON.stringify(value.toString())})`;
  if (value instanceof URL) return `URL(${JSON.stringify(value.href)})`;
  if (Array.isArray(value)) return `[${value.map((item: unknown) => encode(item, ancestors)).join(',')}]`;
  if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>)].map(([key, item]) => `${encode(key, ancestors)}:${encode(item, ancestors)}`);
    return `Map{${entries.join(',')}}`;
  }
  if (value instanceof Set) {
    return `Set[${[...(value as Set<unknown>)].map((item) => encode(item, ancestors)).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const prototype: unknown = Object.getPrototypeOf(value);
  let prefix = '';
  if (prototype !== Object.prototype && prototype !== null) {
    // A class instance: keyed by what a codec sends for it (superjson and JSON send its toJSON() or its
    // own fields), so that a new instance with the same content does not refetch on every render.
    const { toJSON } = record;
    if (typeof toJSON === 'function') return `${constructorName(value)}(${encode(toJSON.call(value), ancestors)})`;
    prefix = constructorName(value);
  }
  const fields = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${encode(record[key], ancestors)}`);
  return `${prefix}{${fields.join(',')}}`;
}

function constructorName(value: object): string {
  const { constructor } = value as { constructor?: unknown };
  return typeof constructor === 'function' ? constructor.name : 'Object';
}

/**
 * A string that is equal for two inputs with equal content, so that hooks
 * refetch or resubscribe only when the input really changed, not when a parent
 * re-renders with a new object. Object keys are sorted and `undefined` fields
 * dropped (`{ a: 1, b: undefined }` and `{ a: 1 }` are the same input);
 * `Date`, `Map`, `Set`, `BigInt`, `RegExp`, `URL`, `NaN`, `±Infinity` and `-0`
 * (which the superjson codec carries) keep their content; class instances are
 * keyed by their `toJSON()` or their own fields. Functions and cycles, which
 * no codec carries, are keyed by identity.
 */
export function stableKey(input: unknown): string {
  return encode(input, new Set());
}

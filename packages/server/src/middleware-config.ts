import type { Procedure } from '@wirecall/schema';

import type { AnyMiddleware } from './middleware.js';

/** Thrown at startup when the `middleware` option does not match the contract. */
export class MiddlewareConfigError extends Error {
  override readonly name = 'MiddlewareConfigError';
}

/** The middleware list of procedures without middleware, shared. */
export const NO_MIDDLEWARE: readonly AnyMiddleware[] = Object.freeze([]);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function namespacesOf(procedures: ReadonlyMap<string, Procedure>): Set<string> {
  const namespaces = new Set<string>();
  for (const path of procedures.keys()) {
    for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) namespaces.add(path.slice(0, dot));
  }
  return namespaces;
}

function checkKey(key: string, procedures: ReadonlyMap<string, Procedure>, namespaces: ReadonlySet<string>): string | undefined {
  if (key === '*' || procedures.has(key) || namespaces.has(key)) return undefined;
  const hint = key.endsWith('.*') ? ` (use "${key.slice(0, -2)}" for every procedure under a namespace)` : '';
  return `key "${key}" is neither a namespace nor a procedure of the contract${hint}`;
}

function checkList(key: string, list: unknown): string[] {
  if (!Array.isArray(list)) return [`middleware["${key}"] must be an array, got ${describe(list)}`];
  const problems: string[] = [];
  list.forEach((item: unknown, index) => {
    if (typeof item !== 'function') problems.push(`middleware["${key}"][${String(index)}] must be a function, got ${describe(item)}`);
  });
  return problems;
}

/**
 * Resolves the `middleware` option into the list each procedure runs, in order:
 * `'*'`, the namespaces from the outermost in, the procedure itself. Throws a
 * `MiddlewareConfigError` listing every unknown key and every non-function.
 */
export function resolveMiddleware(
  procedures: ReadonlyMap<string, Procedure>,
  map: unknown,
): ReadonlyMap<string, readonly AnyMiddleware[]> {
  const resolved = new Map<string, readonly AnyMiddleware[]>();
  if (map === undefined) return resolved;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new MiddlewareConfigError(`the middleware option must be an object, got ${describe(map)}`);
  }
  const lists = map as Readonly<Record<string, readonly AnyMiddleware[]>>;
  const namespaces = namespacesOf(procedures);
  const problems: string[] = [];
  for (const key of Object.keys(lists)) {
    const problem = checkKey(key, procedures, namespaces);
    if (problem !== undefined) problems.push(problem);
    problems.push(...checkList(key, lists[key]));
  }
  if (problems.length > 0) {
    throw new MiddlewareConfigError(`middleware does not match the contract: ${problems.join('; ')}`);
  }

  // Own keys only: a procedure may be called `constructor`.
  const at = (key: string): readonly AnyMiddleware[] => (Object.hasOwn(lists, key) ? (lists[key] ?? []) : []);
  for (const path of procedures.keys()) {
    const chain: AnyMiddleware[] = [...at('*')];
    for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) chain.push(...at(path.slice(0, dot)));
    chain.push(...at(path));
    if (chain.length > 0) resolved.set(path, Object.freeze(chain));
  }
  return resolved;
}

import { listProcedures, RpcError, type Contract, type Procedure, type ProcedureKind } from '@wirecall/schema';

import { NO_MIDDLEWARE, resolveMiddleware } from './middleware-config.js';
import type { OperationObserver } from './metrics/operation-observer.js';
import type { AnyMiddleware } from './middleware.js';

/** A handler as the core calls it; the public `Handlers` type keeps it typed for users. */
export type AnyHandler = (options: never) => unknown;

/** Builds the declared error `code` with its data. */
export type ErrorFactory = (data: unknown, message?: string) => RpcError;

/** A procedure of the contract joined with its handler. */
export interface ProcedureEntry {
  readonly path: string;
  readonly procedure: Procedure;
  readonly handler: AnyHandler;
  /** Factories for the procedure's declared errors, built once. */
  readonly errors: Readonly<Record<string, ErrorFactory>>;
  /** The middleware run before the handler, in order; empty (and shared) when there is none. */
  readonly middleware: readonly AnyMiddleware[];
  /** The metrics of this procedure's operations, resolved once; `undefined` when metrics are off. */
  readonly observer: OperationObserver | undefined;
}

/** Returns the metrics observer of a procedure (called once per procedure, when the table is built). */
export type ObserveProcedure = (path: string, kind: ProcedureKind) => OperationObserver;

/** Thrown at startup when the handlers do not match the contract. */
export class HandlerMismatchError extends Error {
  override readonly name = 'HandlerMismatchError';
}

function collectHandlers(node: object, prefix: string, out: Map<string, unknown>): void {
  for (const [name, value] of Object.entries(node as Record<string, unknown>)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (typeof value === 'object' && value !== null) collectHandlers(value, path, out);
    else out.set(path, value);
  }
}

function createErrorFactories(procedure: Procedure): Readonly<Record<string, ErrorFactory>> {
  const factories: Record<string, ErrorFactory> = {};
  for (const code of Object.keys(procedure['~rpc'].errors)) {
    factories[code] = (data, message) => new RpcError(code, message, { data });
  }
  return Object.freeze(factories);
}

/**
 * Joins every procedure of `contract` with its handler and its middleware, by
 * dotted path. Throws a `HandlerMismatchError` listing every missing, extra or
 * non-function handler, or a `MiddlewareConfigError` for a bad `middleware` map.
 */
export function createProcedureTable(
  contract: Contract,
  handlers: object,
  middleware?: unknown,
  observe?: ObserveProcedure,
): ReadonlyMap<string, ProcedureEntry> {
  const procedures = listProcedures(contract);
  const found = new Map<string, unknown>();
  collectHandlers(handlers, '', found);

  const problems: string[] = [];
  for (const path of procedures.keys()) {
    const handler = found.get(path);
    if (handler === undefined) problems.push(`missing handler for "${path}"`);
    else if (typeof handler !== 'function') problems.push(`handler for "${path}" must be a function`);
  }
  for (const path of found.keys()) {
    if (!procedures.has(path)) problems.push(`extra handler "${path}" is not in the contract`);
  }
  if (problems.length > 0) {
    throw new HandlerMismatchError(`handlers do not match the contract: ${problems.join('; ')}`);
  }

  const chains = resolveMiddleware(procedures, middleware);
  const table = new Map<string, ProcedureEntry>();
  for (const [path, procedure] of procedures) {
    table.set(path, {
      path,
      procedure,
      handler: found.get(path) as AnyHandler,
      errors: createErrorFactories(procedure),
      middleware: chains.get(path) ?? NO_MIDDLEWARE,
      observer: observe?.(path, procedure['~rpc'].kind),
    });
  }
  return table;
}

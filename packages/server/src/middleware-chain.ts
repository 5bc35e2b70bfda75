import type { MiddlewareResult } from './middleware.js';
import { Operation } from './operation.js';
import type { ProcedureEntry } from './procedure-table.js';
import { parseInput } from './validate.js';

/** Thrown when a middleware breaks the `next()` contract; reaches clients as INTERNAL_SERVER_ERROR. */
export class MiddlewareMisuseError extends Error {
  override readonly name = 'MiddlewareMisuseError';
}

/**
 * The step after the last middleware, given the context they built: the
 * handler on a call, nothing on an authorization check. Its value becomes the
 * `output` of the result every `next()` resolves with.
 */
export type ChainEnd = (ctx: unknown) => unknown;

/**
 * Runs `entry`'s middleware around `end` and resolves with what `end` returned.
 * Rejects with whatever a middleware or `end` threw, or with a
 * `MiddlewareMisuseError` when a middleware calls `next()` twice or resolves
 * with anything but the result of `next()`. Only for entries with middleware:
 * the others call their handler directly, without this function's closures.
 */
export async function runMiddleware(
  entry: ProcedureEntry,
  ctx: unknown,
  input: unknown,
  operation: Operation,
  end: ChainEnd,
): Promise<unknown> {
  const { middleware, path } = entry;
  const kind = entry.procedure['~rpc'].kind;
  let result: MiddlewareResult<never> | undefined;

  async function step(index: number, stepCtx: unknown): Promise<MiddlewareResult<never>> {
    const current = middleware[index];
    if (current === undefined) {
      result = { output: await end(stepCtx) };
      return result;
    }
    let called = false;
    const returned = await current({
      ctx: stepCtx as never,
      path,
      kind,
      input,
      meta: operation.meta,
      get signal() {
        return operation.signal;
      },
      next: (extension?: object) => {
        if (called) {
          return Promise.reject(new MiddlewareMisuseError(`middleware #${String(index + 1)} of "${path}" called next() twice`));
        }
        called = true;
        return step(index + 1, extension === undefined ? stepCtx : { ...(stepCtx as object), ...extension });
      },
    });
    if (result === undefined || returned !== result) {
      throw new MiddlewareMisuseError(`middleware #${String(index + 1)} of "${path}" must call next() and resolve with its result`);
    }
    return result;
  }

  return (await step(0, ctx)).output;
}

/**
 * Runs the middleware of `entry` against `ctx` without running the handler:
 * validates `rawInput` as a call would, then lets every middleware read, extend
 * or refuse the context, ending in a step that resolves at once. Resolves with
 * the context the handler would see; rejects with what a middleware threw (e.g.
 * `RpcError('FORBIDDEN')`), not yet normalized (see `normalizeError`). Used to
 * re-check live subscriptions after a re-authentication.
 *
 * Middleware runs as on a call: one that counts calls (a rate limit) counts this too.
 */
export async function authorize(
  entry: ProcedureEntry,
  ctx: unknown,
  rawInput: unknown,
  operation: Operation = new Operation(),
): Promise<unknown> {
  if (entry.middleware.length === 0) return ctx;
  const input = await parseInput(entry.procedure['~rpc'].input, rawInput);
  let authorized: unknown;
  await runMiddleware(entry, ctx, input, operation, (finalCtx) => {
    authorized = finalCtx;
    return undefined;
  });
  return authorized;
}

import type { AnyProcedure, Procedure } from './procedure.js';

/** A contract: procedures and nested namespaces of procedures, to any depth. */
export interface Contract {
  readonly [name: string]: AnyProcedure | Contract;
}

/** Whether a contract entry is a procedure (as opposed to a namespace). */
export function isProcedure(value: AnyProcedure | Contract): value is AnyProcedure {
  return Object.hasOwn(value, '~rpc');
}

/** Identifiers without `$`: names starting with `$` are reserved for client methods such as `$close`. */
const NAME_PATTERN = /^[A-Za-z_]\w*$/;

function collect(node: Contract, prefix: string, out: Map<string, Procedure>): void {
  for (const name of Object.keys(node)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (!NAME_PATTERN.test(name)) {
      throw new TypeError(`contract key "${path}" must be an identifier of letters, digits and _`);
    }
    // Contracts may come from plain JavaScript: check what the types promise.
    const entry: unknown = node[name];
    if (typeof entry !== 'object' || entry === null) {
      throw new TypeError(`contract entry "${path}" must be a procedure or a namespace object`);
    }
    if (isProcedure(entry as Contract)) out.set(path, entry as Procedure);
    else collect(entry as Contract, path, out);
  }
}

const cache = new WeakMap<Contract, ReadonlyMap<string, Procedure>>();

/**
 * Every procedure of a contract by dotted path (`chat.send`). A `Map`, so a
 * lookup never walks the prototype chain. Computed once per contract.
 */
export function listProcedures(contract: Contract): ReadonlyMap<string, Procedure> {
  let procedures = cache.get(contract);
  if (procedures === undefined) {
    const collected = new Map<string, Procedure>();
    collect(contract, '', collected);
    procedures = collected;
    cache.set(contract, procedures);
  }
  return procedures;
}

/**
 * Declares a contract. Returns it unchanged (typed as written) after checking
 * that every key is an identifier and every leaf a procedure.
 *
 * @example
 * export const api = defineContract({
 *   greet: query({ input: z.object({ name: z.string() }), output: z.string() }),
 *   chat: { send: mutation({ input: SendInput, output: Message }) },
 * });
 */
export function defineContract<const TContract extends Contract>(contract: TContract): TContract {
  listProcedures(contract);
  return contract;
}

/**
 * Builds a frozen object shaped like `contract` whose leaves are `bind(path, procedure)`.
 * Servers and clients use it to expose a contract as callable objects.
 */
export function mapContract(contract: Contract, bind: (path: string, procedure: Procedure) => unknown): object {
  return mapNode(contract, '', bind);
}

function mapNode(node: Contract, prefix: string, bind: (path: string, procedure: Procedure) => unknown): object {
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(node)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out[name] = isProcedure(entry) ? bind(path, entry as Procedure) : mapNode(entry, path, bind);
  }
  return Object.freeze(out);
}

/**
 * What the harness and its child processes share: measurement plans, peer
 * discovery and the flags child processes run with.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

import type { Peer } from './peer.js';

/** How one figure is measured: a warm-up, then `windows` consecutive windows of `windowMs`. */
export interface Plan {
  readonly warmupMs: number;
  readonly windowMs: number;
  readonly windows: number;
}

const PEERS_DIR = new URL('./peers/', import.meta.url);

/**
 * Whether the harness runs from its TypeScript sources (under tsx) rather than
 * from `dist/` (compiled by `pnpm bench`). Children then run the same way.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const EXTENSION = FROM_SOURCE ? '.ts' : '.js';

/** The peer every ratio is relative to. */
export const BASELINE_PEER = 'raw-ws';

/**
 * Where peers are discovered: always the sources, so that a compiled file left
 * in `dist/peers/` by a peer that no longer exists never joins a run.
 */
const SOURCE_PEERS_DIR = FROM_SOURCE ? PEERS_DIR : new URL('../src/peers/', import.meta.url);

/** Ids of the peers in `src/peers/` (file names without `.ts`), the baseline `raw-ws` first. */
export function listPeers(): string[] {
  const ids = readdirSync(fileURLToPath(SOURCE_PEERS_DIR))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
  return [BASELINE_PEER, ...ids.filter((id) => id !== BASELINE_PEER)];
}

/** Imports `src/peers/<id>.ts` and returns its `peer` export. */
export async function loadPeer(id: string): Promise<Peer> {
  const module = (await import(new URL(`${id}${EXTENSION}`, PEERS_DIR).href)) as { peer?: Peer };
  if (module.peer === undefined) throw new Error(`peers/${id}${EXTENSION} does not export "peer"`);
  return module.peer;
}

/**
 * Node flags of the child processes: `gc()` for memory figures and, from
 * source, tsx with the workspace's source condition. Compiled, the children
 * load `@wirecall/*` from the packages' `dist/` like an application would.
 */
export function childExecArgv(extra: readonly string[] = []): string[] {
  const source = FROM_SOURCE ? ['--conditions=@wirecall/source', '--import', import.meta.resolve('tsx')] : [];
  return [...source, '--expose-gc', ...extra];
}

/** Absolute path of the sibling module `name` (without extension) of this file. */
export function modulePath(name: string): string {
  return fileURLToPath(new URL(`${name}${EXTENSION}`, import.meta.url));
}

/** The CPU each side's processes run on, when they are pinned. */
export interface Pinning {
  readonly server: number;
  readonly client: number;
}

/**
 * Servers on CPU 0 and clients on CPU 1 (`--pin`), when the machine has two
 * CPUs and `taskset` (util-linux) runs; `undefined` otherwise. Left to the
 * scheduler, the two processes of a pair sometimes share one CPU and sometimes
 * not, and on a 2-vCPU VM that alone moves one call's round trip between about
 * 35 and 150 µs (see "CPU placement" in bench/README.md).
 */
export function cpuPinning(): Pinning | undefined {
  if (availableParallelism() < 2) return undefined;
  try {
    execFileSync('taskset', ['-c', '1', process.execPath, '-e', ''], { stdio: 'ignore' });
    return { server: 0, client: 1 };
  } catch {
    return undefined;
  }
}

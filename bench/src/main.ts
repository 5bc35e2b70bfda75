/**
 * Runs the benchmark: for each peer, a server process and a client process,
 * scenarios A–E in interleaved rounds, then scenario F on fresh processes, then
 * a markdown table and JSON in `bench/results/`.
 * Usage: `pnpm bench [--quick] [--peers=raw-ws,wirecall] [--scenarios=A,B,C,D,E,F] [--profile] [--pin]`.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { ClientCommands } from './client-process.js';
import { BASELINE_PEER, childExecArgv, cpuPinning, listPeers, loadPeer, modulePath, type Plan } from './harness.js';
import { CAN_READ_PROCESS_TIMES, createInterferenceMeter, processSeconds } from './interference.js';
import { spawnChild, type Child } from './ipc.js';
import { sleep } from './peer.js';
import { renderMarkdown, renderMedianTables, type PeerReport, type RunReport } from './report.js';
import { LOAD_STEPS, type LoadPeer, type Scenario, type StepSettings } from './load-steps.js';
import type { ServerCommands } from './server-process.js';
import { summarize } from './stats.js';

const SCENARIOS: readonly Scenario[] = ['A', 'B', 'C', 'D', 'E', 'F'];

/** Everything a mode decides. */
interface Settings extends StepSettings {
  /** One round of a step, for one peer: a warm-up, then one window. */
  readonly plan: Plan;
  /** Rounds of each step: every peer gets this many windows per figure. */
  readonly rounds: number;
  /** How often a disturbed measurement is repeated. */
  readonly maxRetries: number;
  /** How long a disturbed measurement waits for the machine to be quiet before it runs again. */
  readonly quietWaitMs: number;
  /** Warm-up of each peer's first connection (unary calls, then records), before scenario A. */
  readonly warmupMs: number;
  /** Idle connections in each of scenario F's two batches. */
  readonly idleConnections: number;
  /** Fresh server processes scenario F measures per peer (RSS per connection moves by about 1 KB from one to the next). */
  readonly memoryRounds: number;
  /** Outgoing bytes per connection at which push loops wait (scenario D). */
  readonly highWaterMarkBytes: number;
}

const MODES = {
  quick: {
    plan: { warmupMs: 50, windowMs: 150, windows: 1 },
    rounds: 3,
    warmupMs: 300,
    // Quick mode keeps to its minute: disturbed measurements are flagged, not repeated.
    maxRetries: 0,
    quietWaitMs: 0,
    fanoutConnections: 200,
    fanoutWarmupMs: 200,
    pacedIntervalMs: 10,
    idleConnections: 1000,
    memoryRounds: 1,
    highWaterMarkBytes: 1024 * 1024,
    saturateLimits: { socketBytes: 64 * 1024, queuedEvents: 256 },
  },
  full: {
    plan: { warmupMs: 500, windowMs: 1500, windows: 1 },
    rounds: 5,
    warmupMs: 3000,
    maxRetries: 3,
    quietWaitMs: 30_000,
    fanoutConnections: 200,
    fanoutWarmupMs: 2000,
    pacedIntervalMs: 10,
    idleConnections: 2000,
    memoryRounds: 3,
    highWaterMarkBytes: 1024 * 1024,
    saturateLimits: { socketBytes: 64 * 1024, queuedEvents: 256 },
  },
} as const satisfies Record<'quick' | 'full', Settings>;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    peers: { type: 'string' },
    scenarios: { type: 'string' },
    profile: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
  },
});

const mode = flags.quick ? 'quick' : 'full';
const settings: Settings = MODES[mode];
const peerIds = flags.peers === undefined ? listPeers() : flags.peers.split(',');
const scenarios = new Set<Scenario>(
  flags.scenarios === undefined ? SCENARIOS : (flags.scenarios.toUpperCase().split(',') as Scenario[]),
);
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const profilesDir = `${resultsDir}profiles`;
const command = `pnpm bench${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;

/** With `--pin`, where the servers and the clients run (see `cpuPinning`); by default the scheduler places them. */
const pinning = flags.pin ? cpuPinning() : undefined;

/** Average cores other programs may use during a measurement before it is repeated. */
const MAX_FOREIGN_CORES = 0.1;

/** Time one plan takes, plus slack, for timeouts. */
const planMs = settings.plan.warmupMs + settings.plan.windowMs * settings.plan.windows;

function spawnServer(peer: string, role: string): Child<ServerCommands> {
  return spawnChild<ServerCommands>(modulePath('./server-process'), childExecArgv(profileFlags(peer, `${role}-server`)), pinning?.server);
}

function spawnClient(peer: string, role: string): Child<ClientCommands> {
  return spawnChild<ClientCommands>(modulePath('./client-process'), childExecArgv(profileFlags(peer, `${role}-client`)), pinning?.client);
}

function profileFlags(peer: string, role: string): string[] {
  if (!flags.profile) return [];
  // One directory per process: tsx's loader thread writes a profile of its own next to the main thread's.
  return ['--cpu-prof', `--cpu-prof-dir=${profilesDir}/${peer}-${role}`];
}

/** Rejects when `promise` takes longer than `ms`. */
async function within<TValue>(ms: number, what: string, promise: Promise<TValue>): Promise<TValue> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`${what} took more than ${String(ms)} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The processes of the peers, whose CPU is the benchmark's own. */
let ownPids: readonly number[] = [];
const interference = createInterferenceMeter(() => ownPids);

/** Records that `what` failed for a peer, which then goes on with its next scenario. */
function fail(report: PeerReport, what: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  report.errors.push(`${what}: ${message}`);
  console.error(`  ${report.id} ${what} failed: ${message}`);
}

/** What {@link attempt} got: the step's value, or nothing when it failed. */
type Attempted<TValue> = { readonly ok: true; readonly value: TValue } | { readonly ok: false };

/**
 * Runs `step`; a failure is recorded (see {@link fail}). When other programs
 * used more than `MAX_FOREIGN_CORES` meanwhile, the step runs again once the
 * machine is quiet (up to `maxRetries` times, when `retry`) and the last run counts.
 */
async function attempt<TValue>(report: PeerReport, what: string, step: () => Promise<TValue>, retry = true): Promise<Attempted<TValue>> {
  for (let run = 0; ; run++) {
    interference.start();
    let value: TValue;
    try {
      value = await within(planMs * 3 + 60_000, what, step());
    } catch (error) {
      fail(report, what, error);
      return { ok: false };
    }
    const foreign = interference.stop();
    if (foreign === undefined || foreign <= MAX_FOREIGN_CORES) return { ok: true, value };
    const note = `${what}: other programs used ${foreign.toFixed(2)} cores`;
    if (!retry || run === settings.maxRetries) {
      const kept = `${note}; kept${retry ? ` after ${String(settings.maxRetries)} retries` : ''}`;
      report.interference.push(kept);
      log(report.id, kept);
      return { ok: true, value };
    }
    log(report.id, `${note}; measuring again once the machine is quiet`);
    await waitForQuiet();
  }
}

/** Waits (up to `settings.quietWaitMs`) for a quarter second in which other programs use at most `MAX_FOREIGN_CORES`. */
async function waitForQuiet(): Promise<void> {
  const until = Date.now() + settings.quietWaitMs;
  while (Date.now() < until) {
    interference.start();
    await sleep(250);
    if ((interference.stop() ?? 0) <= MAX_FOREIGN_CORES) return;
  }
}

const runStartedAt = Date.now();

function log(peer: string, text: string): void {
  const seconds = ((Date.now() - runStartedAt) / 1000).toFixed(1).padStart(5);
  console.log(`${seconds}s ${peer.padEnd(15)} ${text}`);
}

/** A server process and the client process that loads it. */
interface Pair {
  readonly server: Child<ServerCommands>;
  readonly client: Child<ClientCommands>;
}

function spawnPair(id: string, role: string): Pair {
  return { server: spawnServer(id, role), client: spawnClient(id, role) };
}

function pairPids(...pairs: readonly Pair[]): number[] {
  return pairs.flatMap((pair) => [pair.server.pid, pair.client.pid]);
}

async function killPair({ server, client }: Pair): Promise<void> {
  await Promise.all([client.kill(), server.kill()]);
}

/**
 * Starts `pair`'s server for peer `id`, connects its client and warms it up.
 * Returns `undefined` (with the failure in the report) when that fails.
 */
async function startLoad(id: string, report: PeerReport, { server, client }: Pair): Promise<LoadPeer | undefined> {
  try {
    const { url } = await within(30_000, 'server start', server.call('start', { peer: id, highWaterMarkBytes: settings.highWaterMarkBytes }));
    await within(30_000, 'client connect', client.call('connect', { peer: id, url }));
    // Lets the JIT compile both sides' call paths before the first window of any scenario
    // (records only when C runs, so that a profile of other scenarios does not show them).
    await within(60_000, 'warm-up', client.call('warmup', { ms: settings.warmupMs, records: scenarios.has('C') }));
    log(id, 'connected and warmed up');
    return { id, report, server, client, url };
  } catch (error) {
    fail(report, 'start', error);
    return undefined;
  }
}

/** What a step measured, and the cores the peer's server and client used meanwhile. */
interface WithCores<TValue> {
  readonly value: TValue;
  readonly server: number;
  readonly client: number;
}

/**
 * Runs `step` and measures the cores `peer`'s server and client processes used
 * meanwhile (0 off Linux). In a closed loop, a side well under one core is
 * waiting for the other: the two take turns instead of overlapping.
 */
async function withCores<TValue>(peer: LoadPeer, step: () => Promise<TValue>): Promise<WithCores<TValue>> {
  const startedAt = performance.now();
  const server = processSeconds(peer.server.pid);
  const client = processSeconds(peer.client.pid);
  const value = await step();
  const seconds = (performance.now() - startedAt) / 1000;
  return { value, server: (processSeconds(peer.server.pid) - server) / seconds, client: (processSeconds(peer.client.pid) - client) / seconds };
}

function recordCores(peer: LoadPeer, figure: string, rounds: readonly WithCores<unknown>[]): void {
  const server = rounds.map((round) => round.server);
  const client = rounds.map((round) => round.client);
  peer.report.cores[figure] = { server: summarize(server), client: summarize(client) };
  const each = (cores: readonly number[]): string => cores.map((value) => value.toFixed(2)).join(' ');
  log(peer.id, `${figure}: cores used by the server ${each(server)}, by the client ${each(client)}`);
}

/** `peers` rotated left by `by`: each round starts with a different peer. */
function rotate<TValue>(peers: readonly TValue[], by: number): TValue[] {
  const shift = peers.length === 0 ? 0 : by % peers.length;
  return [...peers.slice(shift), ...peers.slice(0, shift)];
}

/**
 * Scenarios A–E. Step by step, every peer is measured in `settings.rounds`
 * rounds of one warm-up and one window each, the peers taking turns (in a
 * rotating order) within a round. Peers measured one after the other would
 * each see a different machine: on a small VM its speed drifts by tens of
 * percent over minutes, and the ratios would carry that drift.
 */
async function runLoad(peers: readonly LoadPeer[]): Promise<void> {
  for (const step of LOAD_STEPS) {
    if (!scenarios.has(step.scenario)) continue;
    const live: LoadPeer[] = [];
    for (const peer of peers) {
      try {
        await within(60_000, `${step.what} set-up`, step.open?.(peer, settings) ?? Promise.resolve());
        live.push(peer);
      } catch (error) {
        fail(peer.report, `${step.what} set-up`, error);
      }
    }
    const results = new Map<LoadPeer, WithCores<unknown>[]>(live.map((peer) => [peer, []]));
    for (let round = 0; round < settings.rounds; round++) {
      for (const peer of rotate([...results.keys()], round)) {
        const measured = await attempt(peer.report, step.what, () => withCores(peer, () => step.round(peer, settings.plan, settings)));
        if (measured.ok) results.get(peer)?.push(measured.value);
        else results.delete(peer);
      }
    }
    for (const peer of live) {
      const rounds = results.get(peer);
      if (rounds !== undefined) {
        log(peer.id, step.record(peer.report, rounds.map((round) => round.value)));
        if (CAN_READ_PROCESS_TIMES) recordCores(peer, step.what, rounds);
      }
      try {
        await within(60_000, `${step.what} tear-down`, step.close?.(peer) ?? Promise.resolve());
      } catch (error) {
        fail(peer.report, `${step.what} tear-down`, error);
      }
    }
  }
}

/** Memory per idle connection of one fresh server process, in KB. */
interface MemorySample {
  /** Heap used, over the second batch of connections. */
  readonly heap: number;
  /** Resident memory outside V8's young generation, over the second batch. */
  readonly rss: number;
  /** The same two over the first batch, from the empty server: one-time costs included. */
  readonly firstHeap: number;
  readonly firstRss: number;
}

/** What the server process reports after collecting garbage. */
type ServerMemory = Awaited<ReturnType<ServerCommands['memory']>>;

/**
 * Scenario F on one fresh server process: its memory when empty, after a first
 * batch of `idleConnections` clients, and after a second batch of as many. The
 * figure is the growth over the second batch, per connection: from the empty
 * server, the first batch also pays costs a process pays once (code compiled
 * for the connection path, caches, the young generation grown by the storm).
 */
async function measureMemory(id: string, report: PeerReport, { server, client }: Pair): Promise<MemorySample | undefined> {
  const measured = await attempt(report, 'F', async () => {
    const { url } = await server.call('start', { peer: id, highWaterMarkBytes: settings.highWaterMarkBytes });
    const batch = settings.idleConnections;
    const openBatch = async (expected: number): Promise<ServerMemory> => {
      await client.call('idleConnect', { peer: id, url, count: batch });
      await sleep(200);
      const memory = await server.call('memory');
      if (memory.connections < expected) throw new Error(`only ${String(memory.connections)} of ${String(expected)} connections are open`);
      return memory;
    };
    const empty = await server.call('memory');
    const first = await openBatch(batch);
    const second = await openBatch(2 * batch);
    report.details.fConnections = batch;
    const perConnection = (bytes: number): number => bytes / batch / 1024;
    const outsideYoung = (memory: ServerMemory): number => memory.rss - memory.youngBytes;
    return {
      heap: perConnection(second.heapUsed - first.heapUsed),
      rss: perConnection(outsideYoung(second) - outsideYoung(first)),
      firstHeap: perConnection(first.heapUsed - empty.heapUsed),
      firstRss: perConnection(outsideYoung(first) - outsideYoung(empty)),
    };
  }, false);
  return measured.ok ? measured.value : undefined;
}

/**
 * Scenario F: each peer's server is measured in a process started just before,
 * so that every peer starts in the same state whatever its place in the order;
 * `settings.memoryRounds` times, the peers taking turns, and the median reported.
 */
async function runMemory(reports: readonly PeerReport[]): Promise<void> {
  const samples = new Map<PeerReport, MemorySample[]>(reports.map((report) => [report, []]));
  for (let round = 0; round < settings.memoryRounds; round += 1) {
    for (const report of rotate(reports, round)) {
      const pair = spawnPair(report.id, 'memory');
      ownPids = pairPids(pair);
      try {
        const sample = await measureMemory(report.id, report, pair);
        if (sample !== undefined) samples.get(report)?.push(sample);
      } finally {
        await killPair(pair);
      }
    }
  }
  for (const [report, taken] of samples) {
    if (taken.length === 0) continue;
    const series = (pick: (sample: MemorySample) => number): number[] => taken.map(pick);
    report.metrics.fHeap = summarize(series((sample) => sample.heap));
    report.metrics.fRss = summarize(series((sample) => sample.rss));
    report.details.fFirstBatch = { heap: summarize(series((sample) => sample.firstHeap)), rss: summarize(series((sample) => sample.firstRss)) };
    const each = (pick: (sample: MemorySample) => number): string => series(pick).map((value) => value.toFixed(1)).join(' ');
    log(
      report.id,
      `F ${String(report.details.fConnections)} more idle connections: ${each((sample) => sample.heap)} KB heap, ${each((sample) => sample.rss)} KB RSS each` +
        ` (the first ${String(report.details.fConnections)}: ${each((sample) => sample.firstHeap)} KB heap, ${each((sample) => sample.firstRss)} KB RSS)`,
    );
  }
}

function describePinning(): string {
  if (flags.pin && pinning === undefined) return 'unpinned (`--pin` needs two CPUs and `taskset`)';
  return pinning === undefined
    ? 'processes placed by the scheduler'
    : `servers pinned to CPU ${String(pinning.server)}, clients to CPU ${String(pinning.client)}`;
}

/** The commit the packages were built from, `-dirty` when the work tree differs from it. */
function revision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  console.log(`wirecall bench, ${mode} mode: ${peerIds.join(', ')}; scenarios ${[...scenarios].join('')}; ${describePinning()}`);
  const reports: PeerReport[] = [];
  for (const id of peerIds) {
    const { label } = await loadPeer(id);
    reports.push({ id, label, metrics: {}, details: {}, errors: [], interference: [], cores: {} });
  }

  if (LOAD_STEPS.some((step) => scenarios.has(step.scenario))) {
    // Every peer's processes start together and stay up through all the steps.
    const pairs = reports.map((report) => spawnPair(report.id, 'load'));
    ownPids = pairPids(...pairs);
    try {
      const peers: LoadPeer[] = [];
      for (const [index, report] of reports.entries()) {
        const peer = await startLoad(report.id, report, pairs[index] as Pair);
        if (peer !== undefined) peers.push(peer);
      }
      await runLoad(peers);
    } finally {
      await Promise.all(pairs.map(killPair));
    }
  }

  if (scenarios.has('F')) await runMemory(reports);

  const cpuList = cpus();
  const run: RunReport = {
    date: new Date().toISOString(),
    mode,
    command,
    revision: revision(),
    machine: { cpus: cpuList.length, cpuModel: cpuList[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` },
    pinning: describePinning(),
    settings: { ...settings },
    baseline: BASELINE_PEER,
    peers: reports,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}${mode}.json`, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(`${resultsDir}${mode}.md`, renderMarkdown(run));
  console.log(`\n${renderMedianTables(run)}\n`);
  console.log(`wrote bench/results/${mode}.md and ${mode}.json in ${((Date.now() - runStartedAt) / 1000).toFixed(0)} s`);
}

await main();

/**
 * Runs the benchmark: for each peer, a server process and a client process,
 * scenarios A–F, then a markdown table and JSON in `bench/results/`.
 * Usage: `pnpm bench [--quick] [--peers=raw-ws,wirecall] [--scenarios=A,B,C,D,E,F] [--profile]`.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { ClientCommands } from './client-process.js';
import { BASELINE_PEER, childExecArgv, listPeers, loadPeer, modulePath, type Plan } from './harness.js';
import { createInterferenceMeter } from './interference.js';
import { spawnChild, type Child } from './ipc.js';
import { sleep } from './peer.js';
import { renderMarkdown, renderMedianTables, type MetricId, type PeerReport, type RunReport } from './report.js';
import type { ServerCommands } from './server-process.js';
import { summarize } from './stats.js';

const SCENARIOS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Everything a mode decides. */
interface Settings {
  readonly plan: Plan;
  /** How often a disturbed measurement is repeated. */
  readonly maxRetries: number;
  /** How long a disturbed measurement waits for the machine to be quiet before it runs again. */
  readonly quietWaitMs: number;
  /** Warm-up of each peer's first connection (unary calls, then records), before scenario A. */
  readonly warmupMs: number;
  /** Connections of scenario E. */
  readonly fanoutConnections: number;
  /** Interval of the paced broadcast of scenario E, whose delays are reported. */
  readonly pacedIntervalMs: number;
  /** Idle connections of scenario F. */
  readonly idleConnections: number;
  /** Outgoing bytes per connection at which push loops wait (scenario D). */
  readonly highWaterMarkBytes: number;
  /** The saturating broadcaster of scenario E waits while a socket holds this much, or a connection this many queued events. */
  readonly saturateLimits: { readonly socketBytes: number; readonly queuedEvents: number };
}

const MODES = {
  quick: {
    plan: { warmupMs: 100, windowMs: 200, windows: 3 },
    warmupMs: 300,
    // Quick mode keeps to its minute: disturbed measurements are flagged, not repeated.
    maxRetries: 0,
    quietWaitMs: 0,
    fanoutConnections: 200,
    pacedIntervalMs: 10,
    idleConnections: 1000,
    highWaterMarkBytes: 1024 * 1024,
    saturateLimits: { socketBytes: 64 * 1024, queuedEvents: 256 },
  },
  full: {
    plan: { warmupMs: 1000, windowMs: 1500, windows: 5 },
    warmupMs: 3000,
    maxRetries: 3,
    quietWaitMs: 30_000,
    fanoutConnections: 200,
    pacedIntervalMs: 10,
    idleConnections: 2000,
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

/** Average cores other programs may use during a measurement before it is repeated. */
const MAX_FOREIGN_CORES = 0.1;

/** Time one plan takes, plus slack, for timeouts. */
const planMs = settings.plan.warmupMs + settings.plan.windowMs * settings.plan.windows;

function spawnServer(peer: string, role: string): Child<ServerCommands> {
  return spawnChild<ServerCommands>(modulePath('./server-process'), childExecArgv(profileFlags(peer, `${role}-server`)));
}

function spawnClient(peer: string, role: string): Child<ClientCommands> {
  return spawnChild<ClientCommands>(modulePath('./client-process'), childExecArgv(profileFlags(peer, `${role}-client`)));
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

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const startedAt = Date.now();
  while (!(await check())) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The processes of the peer being measured, whose CPU is the benchmark's own. */
let ownPids: readonly number[] = [];
const interference = createInterferenceMeter(() => ownPids);

/**
 * Runs `step`; a failure is recorded and the peer goes on with its next
 * scenario. When other programs used more than `MAX_FOREIGN_CORES` meanwhile,
 * the step runs again once the machine is quiet (up to `maxRetries` times, when
 * `retry`) and the last run counts.
 */
async function attempt(report: PeerReport, what: string, step: () => Promise<void>, retry = true): Promise<void> {
  for (let run = 0; ; run++) {
    interference.start();
    try {
      await within(planMs * 3 + 60_000, what, step());
    } catch (error) {
      report.errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      console.error(`  ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const foreign = interference.stop();
    if (foreign === undefined || foreign <= MAX_FOREIGN_CORES) return;
    const note = `${what}: other programs used ${foreign.toFixed(2)} cores`;
    if (!retry || run === settings.maxRetries) {
      const kept = `${note}; kept${retry ? ` after ${String(settings.maxRetries)} retries` : ''}`;
      report.interference.push(kept);
      log(report.id, kept);
      return;
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

function pairPids(...pairs: readonly (Pair | undefined)[]): number[] {
  return pairs.flatMap((pair) => (pair === undefined ? [] : [pair.server.pid, pair.client.pid]));
}

async function killPair({ server, client }: Pair): Promise<void> {
  await Promise.all([client.kill(), server.kill()]);
}

/** Scenarios A–E: one server process, one client process. */
async function runLoad(id: string, report: PeerReport, { server, client }: Pair): Promise<void> {
  const { plan } = settings;
  const metrics = report.metrics as Record<MetricId, ReturnType<typeof summarize>>;
  const { url } = await within(30_000, 'server start', server.call('start', { peer: id, highWaterMarkBytes: settings.highWaterMarkBytes }));
  await within(30_000, 'client connect', client.call('connect', { peer: id, url }));
  // Lets the JIT compile both sides' call paths before the first window of any scenario
  // (records only when C runs, so that a profile of other scenarios does not show them).
  await within(60_000, 'warm-up', client.call('warmup', { ms: settings.warmupMs, records: scenarios.has('C') }));
  log(id, 'connected and warmed up');

  if (scenarios.has('A')) {
    for (const inFlight of [1, 16, 256] as const) {
      await attempt(report, `A (${String(inFlight)} in flight)`, async () => {
        const { perWindow } = await client.call('throughput', { operation: 'add', inFlight, plan });
        metrics[`a${String(inFlight)}` as 'a1' | 'a16' | 'a256'] = summarize(perWindow);
        log(id, `A ${String(inFlight).padStart(3)} in flight: ${perWindow.map((value) => value.toFixed(0)).join(' ')} calls/s`);
      });
    }
  }
  if (scenarios.has('B')) {
    await attempt(report, 'B', async () => {
      const { p50, p99 } = await client.call('latency', { plan });
      metrics.bP50 = summarize(p50);
      metrics.bP99 = summarize(p99);
      log(id, `B p50 ${p50.map((value) => value.toFixed(0)).join(' ')} µs, p99 ${p99.map((value) => value.toFixed(0)).join(' ')} µs`);
    });
  }
  if (scenarios.has('C')) {
    await attempt(report, 'C', async () => {
      const before = await server.call('stats');
      const { perWindow, totalCalls } = await client.call('throughput', { operation: 'records', inFlight: 16, plan });
      const after = await server.call('stats');
      const bytesPerCall = (after.bytesWritten - before.bytesWritten) / totalCalls;
      metrics.cCalls = summarize(perWindow);
      metrics.cMegabytes = summarize(perWindow.map((calls) => (calls * bytesPerCall) / 1e6));
      report.details.cBytesPerCall = Math.round(bytesPerCall);
      log(id, `C ${perWindow.map((value) => value.toFixed(0)).join(' ')} calls/s, ${String(Math.round(bytesPerCall))} bytes per response`);
    });
  }
  if (scenarios.has('D')) {
    await attempt(report, 'D', async () => {
      await server.call('startSampling');
      const { perWindow } = await client.call('stream', { plan });
      const { largestSocketBufferBytes } = await server.call('stopSampling');
      metrics.dEvents = summarize(perWindow);
      report.details.dLargestSocketBufferBytes = largestSocketBufferBytes;
      log(id, `D ${perWindow.map((value) => value.toFixed(0)).join(' ')} events/s, largest socket buffer ${String(largestSocketBufferBytes)} B`);
    });
  }
  await client.call('close');

  if (scenarios.has('E')) {
    await attempt(report, 'E', async () => {
      const count = settings.fanoutConnections;
      await client.call('fanoutConnect', { peer: id, url, count });
      await waitFor(`${String(count)} subscribers`, async () => (await server.call('stats')).subscribers >= count);

      await server.call('broadcast', { mode: 'saturate', limits: settings.saturateLimits });
      const saturated = await client.call('fanoutMeasure', { plan });
      const { broadcasts } = await server.call('stopBroadcast');
      await client.call('fanoutQuiet', { quietMs: 200, timeoutMs: 30_000 });

      await server.call('broadcast', { mode: 'paced', intervalMs: settings.pacedIntervalMs });
      const paced = await client.call('fanoutMeasure', { plan });
      await server.call('stopBroadcast');
      await client.call('fanoutClose');

      metrics.eDelivered = summarize(saturated.perWindow);
      metrics.eP99 = summarize(paced.p99);
      report.details.eSaturated = { broadcasts, p50Us: summarize(saturated.p50), p99Us: summarize(saturated.p99) };
      report.details.ePaced = { deliveredPerSecond: summarize(paced.perWindow), p50Us: summarize(paced.p50) };
      log(
        id,
        `E ${saturated.perWindow.map((value) => value.toFixed(0)).join(' ')} delivered/s; paced p50 ${paced.p50
          .map((value) => value.toFixed(0))
          .join(' ')} µs, p99 ${paced.p99.map((value) => value.toFixed(0)).join(' ')} µs`,
      );
    });
  }
}

/** Scenario F: a fresh server process, its memory before and after `idleConnections` clients connect. */
async function runMemory(id: string, report: PeerReport, { server, client }: Pair): Promise<void> {
  await attempt(report, 'F', async () => {
    const { url } = await server.call('start', { peer: id, highWaterMarkBytes: settings.highWaterMarkBytes });
    const before = await server.call('memory');
    const { connected } = await client.call('idleConnect', { peer: id, url, count: settings.idleConnections });
    await sleep(200);
    const after = await server.call('memory');
    if (after.connections < connected) throw new Error(`only ${String(after.connections)} of ${String(connected)} connections are open`);
    const heap = (after.heapUsed - before.heapUsed) / connected / 1024;
    const rss = (after.rss - before.rss) / connected / 1024;
    report.metrics.fHeap = summarize([heap]);
    report.metrics.fRss = summarize([rss]);
    report.details.fConnections = connected;
    log(id, `F ${String(connected)} idle connections: ${heap.toFixed(1)} KB heap, ${rss.toFixed(1)} KB RSS each`);
  }, false);
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
  console.log(`wirecall bench, ${mode} mode: ${peerIds.join(', ')}; scenarios ${[...scenarios].join('')}`);
  const reports: PeerReport[] = [];
  for (const id of peerIds) {
    const { label } = await loadPeer(id);
    const report: PeerReport = { id, label, metrics: {}, details: {}, errors: [], interference: [] };
    reports.push(report);
    console.log(label);
    // Both pairs start now, so their start-up overlaps; the memory pair idles until scenario F.
    const load = ['A', 'B', 'C', 'D', 'E'].some((scenario) => scenarios.has(scenario as Scenario)) ? spawnPair(id, 'load') : undefined;
    const memory = scenarios.has('F') ? spawnPair(id, 'memory') : undefined;
    ownPids = pairPids(load, memory);
    try {
      if (load !== undefined) {
        await runLoad(id, report, load);
        await killPair(load);
      }
      if (memory !== undefined) await runMemory(id, report, memory);
    } catch (error) {
      report.errors.push(error instanceof Error ? error.message : String(error));
      console.error(`  ${id} failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await Promise.all([load, memory].filter((pair) => pair !== undefined).map(killPair));
    }
  }

  const cpuList = cpus();
  const run: RunReport = {
    date: new Date().toISOString(),
    mode,
    command,
    revision: revision(),
    machine: { cpus: cpuList.length, cpuModel: cpuList[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` },
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

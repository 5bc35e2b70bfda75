/**
 * The measurements of scenarios A–E, one step per figure group. The harness
 * runs each step in rounds: in every round, each peer in turn gets its own
 * warm-up and one window, so that the peers' windows interleave in time and a
 * drift of the machine's speed touches them all alike.
 * @module
 */
import type { ClientCommands } from './client-process.js';
import type { Plan } from './harness.js';
import type { Child } from './ipc.js';
import { sleep } from './peer.js';
import type { MetricId, PeerReport } from './report.js';
import type { SaturateLimits, ServerCommands } from './server-process.js';
import { summarize } from './stats.js';

/** One scenario letter. */
export type Scenario = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** A peer whose load processes are running, connected and warmed up. */
export interface LoadPeer {
  readonly id: string;
  readonly report: PeerReport;
  readonly server: Child<ServerCommands>;
  readonly client: Child<ClientCommands>;
  /** Where the server listens. */
  readonly url: string;
}

/** What the steps need from the run's settings. */
export interface StepSettings {
  readonly fanoutConnections: number;
  /** How long scenario E broadcasts, untimed, once its connections are open (the event path is still cold). */
  readonly fanoutWarmupMs: number;
  readonly pacedIntervalMs: number;
  readonly saturateLimits: SaturateLimits;
}

/** One figure group, measured in rounds. `TRound` is what one round measures. */
export interface Step<TRound> {
  readonly scenario: Scenario;
  /** Name in logs and error notes. */
  readonly what: string;
  /** Runs before the peer's first round (scenario E opens its connections). */
  readonly open?: (peer: LoadPeer, settings: StepSettings) => Promise<void>;
  /** Runs after the peer's last round. */
  readonly close?: (peer: LoadPeer) => Promise<void>;
  /** One round: `plan` has a warm-up and one window. */
  readonly round: (peer: LoadPeer, plan: Plan, settings: StepSettings) => Promise<TRound>;
  /**
   * Writes the figures of every round into the peer's report; returns the line to log.
   * (Method syntax on purpose: it lets every step sit in one `Step<unknown>` list.)
   */
  record(report: PeerReport, rounds: readonly TRound[]): string;
}

function list(values: readonly number[]): string {
  return values.map((value) => value.toFixed(0)).join(' ');
}

function metric(report: PeerReport, id: MetricId, values: readonly number[]): void {
  report.metrics[id] = summarize(values);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const startedAt = Date.now();
  while (!(await check())) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function throughputStep(inFlight: 1 | 16 | 256): Step<{ perWindow: number[] }> {
  return {
    scenario: 'A',
    what: `A (${String(inFlight)} in flight)`,
    round: ({ client }, plan) => client.call('throughput', { operation: 'add', inFlight, plan }),
    record(report, rounds) {
      const perWindow = rounds.flatMap((round) => round.perWindow);
      metric(report, `a${String(inFlight)}` as 'a1' | 'a16' | 'a256', perWindow);
      return `A ${String(inFlight).padStart(3)} in flight: ${list(perWindow)} calls/s`;
    },
  };
}

const latencyStep: Step<{ p50: number[]; p99: number[] }> = {
  scenario: 'B',
  what: 'B',
  round: ({ client }, plan) => client.call('latency', { plan }),
  record(report, rounds) {
    const p50 = rounds.flatMap((round) => round.p50);
    const p99 = rounds.flatMap((round) => round.p99);
    metric(report, 'bP50', p50);
    metric(report, 'bP99', p99);
    return `B p50 ${list(p50)} µs, p99 ${list(p99)} µs`;
  },
};

const recordsStep: Step<{ perWindow: number[]; bytesPerCall: number }> = {
  scenario: 'C',
  what: 'C',
  async round({ server, client }, plan) {
    const before = await server.call('stats');
    const { perWindow, totalCalls } = await client.call('throughput', { operation: 'records', inFlight: 16, plan });
    const after = await server.call('stats');
    return { perWindow, bytesPerCall: (after.bytesWritten - before.bytesWritten) / totalCalls };
  },
  record(report, rounds) {
    const perWindow = rounds.flatMap((round) => round.perWindow);
    const megabytes = rounds.flatMap((round) => round.perWindow.map((calls) => (calls * round.bytesPerCall) / 1e6));
    const bytesPerCall = Math.round(summarize(rounds.map((round) => round.bytesPerCall)).median);
    metric(report, 'cCalls', perWindow);
    metric(report, 'cMegabytes', megabytes);
    report.details.cBytesPerCall = bytesPerCall;
    return `C ${list(perWindow)} calls/s, ${String(bytesPerCall)} bytes per response`;
  },
};

const streamStep: Step<{ perWindow: number[]; largestSocketBufferBytes: number }> = {
  scenario: 'D',
  what: 'D',
  async round({ server, client }, plan) {
    await server.call('startSampling');
    const { perWindow } = await client.call('stream', { plan });
    const { largestSocketBufferBytes } = await server.call('stopSampling');
    return { perWindow, largestSocketBufferBytes };
  },
  record(report, rounds) {
    const perWindow = rounds.flatMap((round) => round.perWindow);
    const largest = Math.max(...rounds.map((round) => round.largestSocketBufferBytes));
    metric(report, 'dEvents', perWindow);
    report.details.dLargestSocketBufferBytes = largest;
    return `D ${list(perWindow)} events/s, largest socket buffer ${String(largest)} B`;
  },
};

interface FanoutRound {
  readonly broadcasts: number;
  readonly saturated: { perWindow: number[]; p50: number[]; p99: number[] };
  readonly paced: { perWindow: number[]; p50: number[]; p99: number[] };
}

const fanoutStep: Step<FanoutRound> = {
  scenario: 'E',
  what: 'E',
  async open({ server, client, id, url }, { fanoutConnections: count, fanoutWarmupMs, saturateLimits }) {
    await client.call('fanoutConnect', { peer: id, url, count });
    await waitFor(`${String(count)} subscribers`, async () => (await server.call('stats')).subscribers >= count);
    await server.call('broadcast', { mode: 'saturate', limits: saturateLimits });
    await sleep(fanoutWarmupMs);
    await server.call('stopBroadcast');
    await client.call('fanoutQuiet', { quietMs: 50, timeoutMs: 30_000 });
  },
  close: ({ client }) => client.call('fanoutClose'),
  async round({ server, client }, plan, { saturateLimits, pacedIntervalMs }) {
    await server.call('broadcast', { mode: 'saturate', limits: saturateLimits });
    const saturated = await client.call('fanoutMeasure', { plan });
    const { broadcasts } = await server.call('stopBroadcast');
    await client.call('fanoutQuiet', { quietMs: 100, timeoutMs: 30_000 });
    await server.call('broadcast', { mode: 'paced', intervalMs: pacedIntervalMs });
    const paced = await client.call('fanoutMeasure', { plan });
    await server.call('stopBroadcast');
    await client.call('fanoutQuiet', { quietMs: 50, timeoutMs: 30_000 });
    return { broadcasts, saturated, paced };
  },
  record(report, rounds) {
    const delivered = rounds.flatMap((round) => round.saturated.perWindow);
    const pacedP50 = rounds.flatMap((round) => round.paced.p50);
    const pacedP99 = rounds.flatMap((round) => round.paced.p99);
    metric(report, 'eDelivered', delivered);
    metric(report, 'eP99', pacedP99);
    report.details.eSaturated = {
      broadcasts: rounds.reduce((sum, round) => sum + round.broadcasts, 0),
      p50Us: summarize(rounds.flatMap((round) => round.saturated.p50)),
      p99Us: summarize(rounds.flatMap((round) => round.saturated.p99)),
    };
    report.details.ePaced = { deliveredPerSecond: summarize(rounds.flatMap((round) => round.paced.perWindow)), p50Us: summarize(pacedP50) };
    return `E ${list(delivered)} delivered/s; paced p50 ${list(pacedP50)} µs, p99 ${list(pacedP99)} µs`;
  },
};

/** Every step, in the order they run. */
export const LOAD_STEPS: readonly Step<unknown>[] = [
  throughputStep(1),
  throughputStep(16),
  throughputStep(256),
  latencyStep,
  recordsStep,
  streamStep,
  fanoutStep,
];

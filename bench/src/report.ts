/**
 * The figures a run reports and how they are rendered: a markdown table of
 * medians with their ratio to the baseline, and one of medians with min–max.
 * @module
 */
import type { Summary } from './stats.js';

/** One reported figure. */
export interface Metric {
  readonly id: string;
  /** Column heading. */
  readonly label: string;
  readonly unit: 'calls/s' | 'MB/s' | 'events/s' | 'µs' | 'KB';
}

/** Every figure, in table order. */
export const METRICS = [
  { id: 'a1', label: 'A: add, 1 in flight', unit: 'calls/s' },
  { id: 'a16', label: 'A: add, 16 in flight', unit: 'calls/s' },
  { id: 'a256', label: 'A: add, 256 in flight', unit: 'calls/s' },
  { id: 'bP50', label: 'B: p50 latency', unit: 'µs' },
  { id: 'bP99', label: 'B: p99 latency', unit: 'µs' },
  { id: 'cCalls', label: 'C: 100 records, 16 in flight', unit: 'calls/s' },
  { id: 'cMegabytes', label: 'C: wire throughput', unit: 'MB/s' },
  { id: 'dEvents', label: 'D: one subscription', unit: 'events/s' },
  { id: 'eDelivered', label: 'E: fan-out delivered', unit: 'events/s' },
  { id: 'eP99', label: 'E: p99 delivery delay (paced)', unit: 'µs' },
  { id: 'fHeap', label: 'F: heap per idle connection', unit: 'KB' },
  { id: 'fRss', label: 'F: RSS per idle connection, young generation aside', unit: 'KB' },
] as const satisfies readonly Metric[];

/** Id of a reported figure. */
export type MetricId = (typeof METRICS)[number]['id'];

/** Everything measured for one peer. */
export interface PeerReport {
  readonly id: string;
  readonly label: string;
  readonly metrics: Partial<Record<MetricId, Summary>>;
  /** Figures that are not in the tables (bytes per call, largest socket buffer, …). */
  readonly details: Record<string, unknown>;
  /** What went wrong, when a scenario failed. */
  readonly errors: string[];
  /** Measurements other programs disturbed even after retries. */
  readonly interference: string[];
  /** Cores the server and the client process used in each round of a figure (warm-up and window), by figure. */
  readonly cores: Record<string, CoresUsed>;
}

/** Cores a peer's two processes used while a figure was measured, over its rounds. */
export interface CoresUsed {
  readonly server: Summary;
  readonly client: Summary;
}

/** A whole run. */
export interface RunReport {
  readonly date: string;
  readonly mode: 'quick' | 'full';
  readonly command: string;
  /** `git describe --always --dirty` of the work tree measured. */
  readonly revision: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string; readonly platform: string };
  /** Where the server and client processes ran (see `cpuPinning`). */
  readonly pinning: string;
  readonly settings: Record<string, unknown>;
  readonly baseline: string;
  readonly peers: readonly PeerReport[];
}

/** `12345` → `12.3k`; small numbers keep up to three significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  if (magnitude >= 1_000_000) return `${(value / 1_000_000).toFixed(2)}M`;
  if (magnitude >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  if (magnitude >= 1000) return `${(value / 1000).toFixed(2)}k`;
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function ratio(value: Summary | undefined, base: Summary | undefined): string {
  if (value === undefined || base === undefined || !(base.median > 0)) return '';
  return ` (${(value.median / base.median).toFixed(2)}×)`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Medians, each with its ratio to the baseline peer's median, one column group per table. */
export function renderMedianTables(run: RunReport): string {
  const base = run.peers.find((peer) => peer.id === run.baseline);
  const groups: readonly (readonly MetricId[])[] = [
    ['a1', 'a16', 'a256', 'bP50', 'bP99'],
    ['cCalls', 'cMegabytes', 'dEvents', 'eDelivered', 'eP99', 'fHeap', 'fRss'],
  ];
  return groups
    .map((ids) => {
      const metrics = ids.map((id) => METRICS.find((metric) => metric.id === id) as Metric);
      return table(
        ['', ...metrics.map((metric) => `${metric.label} (${metric.unit})`)],
        run.peers.map((peer) => [
          peer.label,
          ...metrics.map((metric) => {
            const value = peer.metrics[metric.id as MetricId];
            return value === undefined ? '–' : `${formatNumber(value.median)}${ratio(value, base?.metrics[metric.id as MetricId])}`;
          }),
        ]),
      );
    })
    .join('\n\n');
}

/** Median and min–max of every window, one row per figure, one column per peer. */
export function renderRangeTable(run: RunReport): string {
  return table(
    ['', ...run.peers.map((peer) => peer.label)],
    METRICS.map((metric) => [
      `${metric.label} (${metric.unit})`,
      ...run.peers.map((peer) => {
        const value = peer.metrics[metric.id];
        if (value === undefined) return '–';
        if (value.windows.length < 2) return formatNumber(value.median);
        return `${formatNumber(value.median)} [${formatNumber(value.min)}–${formatNumber(value.max)}]`;
      }),
    ]),
  );
}

/**
 * Median cores each peer's server and client used while a figure was measured,
 * or `undefined` when none was recorded (off Linux, or F alone). A side well
 * under one core in a closed loop means the two processes take turns.
 */
export function renderCoresTable(run: RunReport): string | undefined {
  const figures = [...new Set(run.peers.flatMap((peer) => Object.keys(peer.cores)))];
  if (figures.length === 0) return undefined;
  return table(
    ['', ...run.peers.map((peer) => peer.label)],
    figures.map((figure) => [
      figure,
      ...run.peers.map((peer) => {
        const used = peer.cores[figure];
        return used === undefined ? '–' : `${used.server.median.toFixed(2)} + ${used.client.median.toFixed(2)}`;
      }),
    ]),
  );
}

/** The whole markdown report of a run. */
export function renderMarkdown(run: RunReport): string {
  const { machine } = run;
  const errors = run.peers.flatMap((peer) => peer.errors.map((error) => `- ${peer.label}: ${error.split('\n')[0] ?? ''}`));
  const disturbed = run.peers.flatMap((peer) => peer.interference.map((note) => `- ${peer.label}: ${note}`));
  const cores = renderCoresTable(run);
  return [
    `# Wirecall benchmarks (${run.mode} mode)`,
    '',
    `${run.date}, ${String(machine.cpus)} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}, ${run.pinning}. Command: \`${run.command}\` at ${run.revision}.`,
    `Ratios are to ${run.peers.find((peer) => peer.id === run.baseline)?.label ?? run.baseline} in the same run. Medians of the windows; settings: \`${JSON.stringify(run.settings)}\`.`,
    '',
    renderMedianTables(run),
    '',
    '## Median [min–max] of the windows',
    '',
    renderRangeTable(run),
    ...(cores === undefined ? [] : ['', '## Cores used while measuring (server + client, median of the rounds)', '', cores]),
    ...(errors.length === 0 ? [] : ['', '## Failures', '', ...errors]),
    ...(disturbed.length === 0 ? [] : ['', '## Measurements other programs disturbed', '', ...disturbed]),
    '',
  ].join('\n');
}

import { assertMetricName, type Collectable } from './registry.js';

/** How a gauge is declared: its value is read when the metrics are collected. */
export interface GaugeOptions {
  readonly name: string;
  readonly help: string;
  /** Returns the current value; called at scrape time only. */
  readonly read: () => number;
}

/**
 * Creates an unlabelled gauge whose value is computed at collection time, so
 * the hot path never updates it. Throws a `TypeError` on an invalid name.
 */
export function createGauge(options: GaugeOptions): Collectable {
  assertMetricName(options.name);
  return {
    name: options.name,
    collect: () => ({
      name: options.name,
      help: options.help,
      type: 'gauge',
      samples: [{ name: options.name, labels: {}, value: options.read() }],
    }),
  };
}

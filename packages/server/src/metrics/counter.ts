import { assertLabelNames, assertMetricName, LabelledSeries, type Collectable, type MetricSample } from './registry.js';

/**
 * One series of a counter: a plain number field, so the hot path pays one
 * addition. Resolve it once with `counter.labels(...)` and keep it.
 */
export class CounterValue {
  value = 0;

  /** Adds `amount` (default 1); counters only go up, so callers pass non-negative amounts. */
  inc(amount = 1): void {
    this.value += amount;
  }
}

/** How a counter family is declared. */
export interface CounterOptions {
  /** Metric name; ends in `_total` by convention. */
  readonly name: string;
  readonly help: string;
  /** Label names, in the order `labels()` takes their values. Default: none. */
  readonly labelNames?: readonly string[];
}

/** A counter family: one `CounterValue` per combination of label values. */
export interface Counter extends Collectable {
  /** The series for these label values (positional, as in `labelNames`), created on first use. */
  readonly labels: (...values: string[]) => CounterValue;
}

/** Creates a counter family. Throws a `TypeError` on an invalid name or label name. */
export function createCounter(options: CounterOptions): Counter {
  const labelNames = options.labelNames ?? [];
  assertMetricName(options.name);
  assertLabelNames(labelNames);
  const series = new LabelledSeries(labelNames, () => new CounterValue());
  return {
    name: options.name,
    labels: (...values) => series.get(values),
    collect() {
      const samples: MetricSample[] = [...series.all()].map(({ labels, value }) => ({
        name: options.name,
        labels,
        value: value.value,
      }));
      return { name: options.name, help: options.help, type: 'counter', samples };
    },
  };
}

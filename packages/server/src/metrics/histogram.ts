import { assertLabelNames, assertMetricName, LabelledSeries, type Collectable, type MetricSample } from './registry.js';

/**
 * Upper bounds, in seconds, of the default duration histogram: from 0.5 ms
 * (a synchronous handler on loopback) to 10 s (a slow database call).
 */
export const DEFAULT_DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** What a histogram series holds, with cumulative bucket counts as Prometheus exposes them. */
export interface HistogramSnapshot {
  /** Upper bounds of the buckets, ascending; the implicit `+Inf` bucket is `count`. */
  readonly buckets: readonly number[];
  /** For each bound, how many observations were at most that bound (cumulative). */
  readonly counts: readonly number[];
  /** Sum of every observation. */
  readonly sum: number;
  /** Number of observations. */
  readonly count: number;
}

/** One series of a histogram: per-bucket counts in a plain array, a sum and a count. */
export class HistogramValue {
  readonly #bounds: readonly number[];
  /** Non-cumulative counts, one per bound (observations above the last bound only count in `count`). */
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = bounds.map(() => 0);
  }

  /** Records one observation: a linear scan of the (few) bounds, no allocation. */
  observe(value: number): void {
    const bounds = this.#bounds;
    for (let index = 0; index < bounds.length; index++) {
      if (value <= (bounds[index] as number)) {
        this.#counts[index] = (this.#counts[index] as number) + 1;
        break;
      }
    }
    this.#sum += value;
    this.#count += 1;
  }

  /** The cumulative view of this series. */
  snapshot(): HistogramSnapshot {
    let running = 0;
    const counts = this.#counts.map((count) => (running += count));
    return { buckets: this.#bounds, counts, sum: this.#sum, count: this.#count };
  }
}

/** How a histogram family is declared. */
export interface HistogramOptions {
  readonly name: string;
  readonly help: string;
  /** Label names, in the order `labels()` takes their values. `le` is reserved. Default: none. */
  readonly labelNames?: readonly string[];
  /** Upper bounds, finite and strictly ascending. Default `DEFAULT_DURATION_BUCKETS_SECONDS`. */
  readonly buckets?: readonly number[];
}

/** A histogram family: one `HistogramValue` per combination of label values. */
export interface Histogram extends Collectable {
  /** The series for these label values (positional, as in `labelNames`), created on first use. */
  readonly labels: (...values: string[]) => HistogramValue;
}

/** Throws a `RangeError` unless `buckets` is a non-empty, strictly ascending list of finite numbers. */
export function assertBuckets(buckets: readonly number[]): void {
  const valid =
    buckets.length > 0 &&
    buckets.every((bound, index) => Number.isFinite(bound) && (index === 0 || bound > (buckets[index - 1] as number)));
  if (!valid) throw new RangeError(`histogram buckets must be finite and strictly ascending, got [${buckets.join(', ')}]`);
}

/** Creates a histogram family. Throws on an invalid name, label name or bucket list. */
export function createHistogram(options: HistogramOptions): Histogram {
  const labelNames = options.labelNames ?? [];
  const bounds = Object.freeze([...(options.buckets ?? DEFAULT_DURATION_BUCKETS_SECONDS)]);
  assertMetricName(options.name);
  assertLabelNames(labelNames, ['le']);
  assertBuckets(bounds);
  const series = new LabelledSeries(labelNames, () => new HistogramValue(bounds));
  return {
    name: options.name,
    labels: (...values) => series.get(values),
    collect() {
      const samples: MetricSample[] = [];
      for (const { labels, value } of series.all()) {
        const { buckets, counts, sum, count } = value.snapshot();
        buckets.forEach((bound, index) => {
          samples.push({ name: `${options.name}_bucket`, labels: { ...labels, le: String(bound) }, value: counts[index] ?? 0 });
        });
        samples.push(
          { name: `${options.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count },
          { name: `${options.name}_sum`, labels, value: sum },
          { name: `${options.name}_count`, labels, value: count },
        );
      }
      return { name: options.name, help: options.help, type: 'histogram', samples };
    },
  };
}

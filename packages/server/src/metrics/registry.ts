/** The kind of a metric family, as written on its `# TYPE` line. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One sample of a metric family: a series name, its labels and its value. */
export interface MetricSample {
  /** The full series name, with any `_bucket` / `_sum` / `_count` suffix. */
  readonly name: string;
  /** Label names and values, in the order they are written. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family as collected for export: its metadata and every sample. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly MetricSample[];
}

/** Anything a registry can collect: a counter, gauge or histogram family. */
export interface Collectable {
  readonly name: string;
  /** Reads the current samples. Runs at scrape time, never on the hot path. */
  readonly collect: () => MetricFamily;
}

/** An ordered set of metric families with unique names. */
export interface MetricsRegistry {
  /** Adds a family; throws when one of that name is already registered. Returns it, for chaining. */
  readonly register: <TMetric extends Collectable>(metric: TMetric) => TMetric;
  /** Collects every family, in registration order. */
  readonly collect: () => MetricFamily[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws a `TypeError` when `name` is not a valid Prometheus metric name. */
export function assertMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) throw new TypeError(`metric name must match ${String(METRIC_NAME)}, got ${JSON.stringify(name)}`);
}

/** Throws a `TypeError` when a label name is invalid or reserved (`__` prefix, or `reserved`, e.g. `le`). */
export function assertLabelNames(labelNames: readonly string[], reserved: readonly string[] = []): void {
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith('__') || reserved.includes(label)) {
      throw new TypeError(`label name must match ${String(LABEL_NAME)} and not be reserved, got ${JSON.stringify(label)}`);
    }
  }
  if (new Set(labelNames).size !== labelNames.length) throw new TypeError(`label names must be unique, got ${labelNames.join(', ')}`);
}

/** Pairs label names with values; throws when their numbers differ. */
export function zipLabels(labelNames: readonly string[], values: readonly string[]): Readonly<Record<string, string>> {
  if (values.length !== labelNames.length) {
    throw new TypeError(`expected ${String(labelNames.length)} label values (${labelNames.join(', ')}), got ${String(values.length)}`);
  }
  const labels: Record<string, string> = {};
  labelNames.forEach((label, index) => {
    labels[label] = values[index] ?? '';
  });
  return labels;
}

/** One series of a metric family: its labels and its value. */
export interface Series<TValue> {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: TValue;
}

/** The series of a metric family by label values, each created on first use. */
export class LabelledSeries<TValue> {
  readonly #labelNames: readonly string[];
  readonly #create: () => TValue;
  readonly #series = new Map<string, Series<TValue>>();

  constructor(labelNames: readonly string[], create: () => TValue) {
    this.#labelNames = labelNames;
    this.#create = create;
  }

  /** The value of the series with these label values (positional, as the label names). */
  get(values: readonly string[]): TValue {
    // JSON, not a join: label values may hold any separator.
    const key = JSON.stringify(values);
    let found = this.#series.get(key);
    if (found === undefined) {
      found = { labels: zipLabels(this.#labelNames, values), value: this.#create() };
      this.#series.set(key, found);
    }
    return found.value;
  }

  /** Every series created so far. */
  all(): IterableIterator<Series<TValue>> {
    return this.#series.values();
  }
}

/** Creates an empty registry. */
export function createRegistry(): MetricsRegistry {
  const metrics: Collectable[] = [];
  const names = new Set<string>();
  return {
    register(metric) {
      if (names.has(metric.name)) throw new TypeError(`a metric named ${JSON.stringify(metric.name)} is already registered`);
      names.add(metric.name);
      metrics.push(metric);
      return metric;
    },
    collect: () => metrics.map((metric) => metric.collect()),
  };
}

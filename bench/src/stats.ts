/**
 * Summaries of per-window figures: median with min and max.
 * @module
 */

/** A figure measured once per window. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** One value per window, in order. */
  readonly windows: readonly number[];
}

/** Summarises per-window values. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, windows: [] };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, windows: values };
}

/** Nearest-rank percentile (`p` in 0–100) of `samples`, which it sorts in place. */
export function percentile(samples: Float64Array, p: number): number {
  if (samples.length === 0) return Number.NaN;
  samples.sort();
  const rank = Math.min(samples.length - 1, Math.max(0, Math.ceil((p / 100) * samples.length) - 1));
  return samples[rank] as number;
}

/** A growable list of float samples that does not box its numbers. */
export class SampleList {
  #values = new Float64Array(4096);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  get length(): number {
    return this.#length;
  }

  /** The samples so far, as a copy. */
  toArray(): Float64Array {
    return this.#values.slice(0, this.#length);
  }
}

import { describe, expect, it } from 'vitest';

import { createCounter } from './counter.js';
import { createGauge } from './gauge.js';
import { createHistogram } from './histogram.js';
import { encodePrometheusText, PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';
import { createRegistry } from './registry.js';

describe('encodePrometheusText', () => {
  it('writes HELP and TYPE lines, then one line per series, ending with a line feed', () => {
    const registry = createRegistry();
    const calls = registry.register(createCounter({ name: 'app_calls_total', help: 'Calls.', labelNames: ['path', 'outcome'] }));
    registry.register(createGauge({ name: 'app_open', help: 'Open now.', read: () => 3 }));
    calls.labels('a.b', 'ok').inc(2);
    calls.labels('a.b', 'NOT_FOUND').inc();
    expect(encodePrometheusText(registry.collect())).toBe(
      [
        '# HELP app_calls_total Calls.',
        '# TYPE app_calls_total counter',
        'app_calls_total{path="a.b",outcome="ok"} 2',
        'app_calls_total{path="a.b",outcome="NOT_FOUND"} 1',
        '# HELP app_open Open now.',
        '# TYPE app_open gauge',
        'app_open 3',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslashes and line feeds in HELP, and quotes too in label values', () => {
    const registry = createRegistry();
    const counter = registry.register(createCounter({ name: 'x_total', help: 'a \\ b\nc "d"', labelNames: ['v'] }));
    counter.labels('back\\slash "quoted"\nnext').inc();
    const text = encodePrometheusText(registry.collect());
    expect(text).toContain('# HELP x_total a \\\\ b\\nc "d"\n');
    expect(text).toContain('x_total{v="back\\\\slash \\"quoted\\"\\nnext"} 1\n');
    // Every line stays one line: the escapes leave no raw line feed inside an entry.
    expect(text.split('\n')).toHaveLength(4);
  });

  it('writes a histogram as cumulative buckets ending in +Inf, then _sum and _count', () => {
    const registry = createRegistry();
    const histogram = registry.register(
      createHistogram({ name: 'd_seconds', help: 'Durations.', labelNames: ['path'], buckets: [0.1, 1, 10] }),
    );
    const series = histogram.labels('p');
    for (const value of [0.05, 0.1, 0.5, 2, 20]) series.observe(value);
    expect(encodePrometheusText(registry.collect())).toBe(
      [
        '# HELP d_seconds Durations.',
        '# TYPE d_seconds histogram',
        'd_seconds_bucket{path="p",le="0.1"} 2',
        'd_seconds_bucket{path="p",le="1"} 3',
        'd_seconds_bucket{path="p",le="10"} 4',
        'd_seconds_bucket{path="p",le="+Inf"} 5',
        'd_seconds_sum{path="p"} 22.65',
        'd_seconds_count{path="p"} 5',
        '',
      ].join('\n'),
    );
    expect(series.snapshot()).toEqual({ buckets: [0.1, 1, 10], counts: [2, 3, 4], sum: 22.65, count: 5 });
  });

  it('spells out infinities and NaN as Go reads them', () => {
    const values = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN];
    const text = encodePrometheusText(
      values.map((value, index) => ({
        name: `g${String(index)}`,
        help: '',
        type: 'gauge' as const,
        samples: [{ name: `g${String(index)}`, labels: {}, value }],
      })),
    );
    expect(text.split('\n').filter((line) => !line.startsWith('#'))).toEqual(['g0 +Inf', 'g1 -Inf', 'g2 NaN', '']);
  });

  it('writes nothing for an empty registry', () => {
    expect(encodePrometheusText(createRegistry().collect())).toBe('');
  });

  it('names the 0.0.4 text format in its content type', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});

describe('metric declarations', () => {
  it('refuses invalid names, reserved labels, bad buckets, duplicates and wrong label counts', () => {
    expect(() => createCounter({ name: 'bad-name', help: '' })).toThrow(TypeError);
    expect(() => createCounter({ name: 'ok_total', help: '', labelNames: ['__reserved'] })).toThrow(TypeError);
    expect(() => createHistogram({ name: 'h', help: '', labelNames: ['le'] })).toThrow(TypeError);
    expect(() => createHistogram({ name: 'h', help: '', buckets: [1, 1] })).toThrow(RangeError);
    expect(() => createHistogram({ name: 'h', help: '', buckets: [1, Number.POSITIVE_INFINITY] })).toThrow(RangeError);
    const registry = createRegistry();
    registry.register(createCounter({ name: 'dup_total', help: '' }));
    expect(() => registry.register(createCounter({ name: 'dup_total', help: '' }))).toThrow(/already registered/);
    expect(() => createCounter({ name: 'two_total', help: '', labelNames: ['a', 'b'] }).labels('only one')).toThrow(
      /expected 2 label values/,
    );
  });

  it('returns the same series for the same label values, so callers can resolve it once', () => {
    const counter = createCounter({ name: 'c_total', help: '', labelNames: ['a'] });
    expect(counter.labels('x')).toBe(counter.labels('x'));
    expect(counter.labels('x')).not.toBe(counter.labels('y'));
  });
});

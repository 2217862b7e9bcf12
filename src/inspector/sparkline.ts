/**
 * Sparkline geometry: a series of numbers as the `points` of an SVG polyline in a small box. Pure, so the
 * scaling rules are tested without a browser.
 */

/** How to scale a series. */
export interface SparklineOptions {
  /** Box width, px. */
  readonly width: number;
  /** Box height, px. */
  readonly height: number;
  /**
   * Center the scale on zero (for signed values such as drift: ahead above the middle, behind below);
   * otherwise the scale runs from zero (or the least value, when negative) up to the largest.
   */
  readonly symmetric?: boolean;
  /** Least half-range (symmetric) or range of the scale, so a flat series of tiny values stays flat. */
  readonly minSpan?: number;
  /** Inset from the box's edges, px. Default 1. */
  readonly pad?: number;
}

/** The scale a series is drawn with: `low` at the bottom edge, `high` at the top. */
export interface SparklineScale {
  readonly low: number;
  readonly high: number;
}

/** The scale `values` are drawn with (ignores non-finite values). */
export function sparklineScale(values: readonly number[], options: Pick<SparklineOptions, 'symmetric' | 'minSpan'>): SparklineScale {
  const finite = values.filter(Number.isFinite);
  const minSpan = options.minSpan ?? 1;
  if (options.symmetric) {
    const m = Math.max(minSpan, ...finite.map(Math.abs));
    return { low: -m, high: m };
  }
  const low = Math.min(0, ...finite);
  const high = Math.max(low + minSpan, ...finite);
  return { low, high };
}

/**
 * `points` for `<polyline>`: the values spread evenly from left to right, scaled into the box (y grows
 * downwards in SVG, so larger values are higher). Empty when there are no finite values; a single value is
 * a short flat segment.
 */
export function sparklinePoints(values: readonly number[], options: SparklineOptions): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const pad = options.pad ?? 1;
  const w = Math.max(0, options.width - 2 * pad);
  const h = Math.max(0, options.height - 2 * pad);
  const { low, high } = sparklineScale(finite, options);
  const y = (value: number) => pad + h - ((value - low) / (high - low)) * h;
  const series = finite.length === 1 ? [finite[0]!, finite[0]!] : finite;
  const step = w / (series.length - 1);
  return series.map((value, i) => `${round(pad + i * step)},${round(y(value))}`).join(' ');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

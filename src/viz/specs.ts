// Vega-Lite spec builders for the plots a VAE run needs: loss curves, latent scatters,
// per-unit bars. Pure data → typed spec objects, so the same spec renders in a browser
// (vega-embed) or headless to SVG/PNG (render.ts, node.ts).
import type { Config, TopLevelSpec } from 'vega-lite';

// NOTE: headless rasterising (resvg) only draws text in fonts it can find, so DejaVu Sans
// (in Debian's fonts-dejavu-core) comes first; browsers fall through to their own sans-serif.
export const FONT_STACK = 'DejaVu Sans, Helvetica, Arial, sans-serif';

const CONFIG: Config = {
  font: FONT_STACK,
  background: 'white',
  padding: 8,
  title: { fontSize: 15, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, symbolSize: 80 },
};

export interface SizeOptions {
  readonly width?: number;
  readonly height?: number;
}

export interface LossRow {
  readonly epoch: number;
  /** e.g. "train ELBO", "test ELBO", "reconstruction", "KL". */
  readonly series: string;
  readonly value: number;
}

export interface LossCurveOptions extends SizeOptions {
  readonly title: string;
  readonly yTitle: string;
  readonly xTitle?: string;
  /** Log-scaled y axis; every finite value must then be > 0. */
  readonly logScale?: boolean;
}

export interface LineRow {
  readonly x: number;
  readonly y: number;
  readonly series?: string;
}

export interface LineOptions extends SizeOptions {
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly logY?: boolean;
}

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly label?: string | number;
}

export interface ScatterOptions extends SizeOptions {
  readonly title: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly legendTitle?: string;
  /** Symbol area in px²; default 14 (small: scatters have thousands of points). */
  readonly pointSize?: number;
  readonly opacity?: number;
}

export interface BarRow {
  readonly category: string | number;
  readonly value: number;
}

export interface BarOptions extends SizeOptions {
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** Draws a dashed rule at this y, e.g. the active-unit threshold on per-unit KL. */
  readonly threshold?: number;
}

/** Non-finite numbers become null, which Vega-Lite treats as missing (a break in the line). */
function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function checkLogPositive(fn: string, ys: readonly number[]): void {
  ys.forEach((y, i) => {
    if (Number.isFinite(y) && y <= 0) {
      throw new Error(`${fn}: log scale needs positive values (row ${i} is ${y})`);
    }
  });
}

function lineLayer(
  values: { x: number; y: number | null; series: string }[],
  o: { title: string; xTitle: string; yTitle: string; log: boolean; width: number; height: number; seriesTitle: string },
): TopLevelSpec {
  const seriesNames = [...new Set(values.map((v) => v.series))];
  const xs = new Set(values.map((v) => v.x));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    width: o.width,
    height: o.height,
    config: CONFIG,
    data: { values },
    // Point markers help only while they stay sparse.
    mark: { type: 'line', strokeWidth: 2, point: xs.size <= 40 ? { size: 24 } : false },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle, scale: { zero: false } },
      y: {
        field: 'y',
        type: 'quantitative',
        title: o.yTitle,
        scale: o.log ? { type: 'log' } : { zero: false },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: o.seriesTitle,
        // Keep the caller's series order (e.g. train before test) instead of alphabetical.
        scale: { domain: seriesNames, scheme: 'tableau10' },
        legend: seriesNames.length > 1 ? { orient: 'right' } : null,
      },
    },
  };
}

/** Loss curves by epoch, one coloured line per series (train/test ELBO, reconstruction, KL…). */
export function lossCurveSpec(rows: readonly LossRow[], opts: LossCurveOptions): TopLevelSpec {
  const log = opts.logScale ?? false;
  if (log) checkLogPositive('lossCurveSpec', rows.map((r) => r.value));
  return lineLayer(
    rows.map((r) => ({ x: r.epoch, y: finiteOrNull(r.value), series: r.series })),
    {
      title: opts.title,
      xTitle: opts.xTitle ?? 'epoch',
      yTitle: opts.yTitle,
      log,
      width: opts.width ?? 480,
      height: opts.height ?? 300,
      seriesTitle: 'series',
    },
  );
}

/** General x/y line chart; rows without a series share one line. */
export function lineSpec(rows: readonly LineRow[], opts: LineOptions): TopLevelSpec {
  const log = opts.logY ?? false;
  if (log) checkLogPositive('lineSpec', rows.map((r) => r.y));
  return lineLayer(
    rows.map((r) => ({ x: r.x, y: finiteOrNull(r.y), series: r.series ?? opts.yTitle })),
    {
      title: opts.title,
      xTitle: opts.xTitle,
      yTitle: opts.yTitle,
      log,
      width: opts.width ?? 480,
      height: opts.height ?? 300,
      seriesTitle: 'series',
    },
  );
}

/** 2-D latent codes, coloured by (nominal) label with a 10-colour scheme. */
export function latentScatterSpec(points: readonly ScatterPoint[], opts: ScatterOptions): TopLevelSpec {
  const labelled = points.some((p) => p.label !== undefined);
  const values = points.map((p) => ({
    x: finiteOrNull(p.x),
    y: finiteOrNull(p.y),
    label: p.label === undefined ? 'none' : String(p.label),
  }));
  // Numeric labels sort numerically (digit 10 after 9, not after 1).
  const domain = [...new Set(values.map((v) => v.label))];
  const numeric = domain.every((d) => d !== '' && Number.isFinite(Number(d)));
  domain.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: opts.width ?? 400,
    height: opts.height ?? 400,
    config: CONFIG,
    data: { values },
    mark: { type: 'circle', size: opts.pointSize ?? 14, opacity: opts.opacity ?? 0.6 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle ?? 'z₁', scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: opts.yTitle ?? 'z₂', scale: { zero: false } },
      ...(labelled
        ? {
            color: {
              field: 'label',
              type: 'nominal' as const,
              title: opts.legendTitle ?? 'label',
              scale: { domain, scheme: domain.length <= 10 ? 'tableau10' : 'tableau20' },
              // Legend symbols stay full size and opaque even though the points are tiny.
              legend: { symbolOpacity: 1, symbolType: 'circle' },
            },
          }
        : {}),
    },
  };
}

/** Bar chart in the given category order, e.g. KL per latent unit with an active-unit threshold. */
export function barSpec(rows: readonly BarRow[], opts: BarOptions): TopLevelSpec {
  const values = rows.map((r) => ({ category: String(r.category), value: finiteOrNull(r.value) }));
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: opts.width ?? 480,
    height: opts.height ?? 300,
    config: CONFIG,
    data: { values },
  };
  const bars = {
    mark: { type: 'bar' as const, color: '#4c78a8' },
    encoding: {
      // Upright labels; with many units every other one is dropped until they stop overlapping.
      x: {
        field: 'category',
        type: 'ordinal' as const,
        title: opts.xTitle,
        sort: null,
        axis: { labelAngle: 0, labelOverlap: 'parity' as const, labelSeparation: 4 },
      },
      y: { field: 'value', type: 'quantitative' as const, title: opts.yTitle },
    },
  };
  if (opts.threshold === undefined) return { ...base, ...bars };
  return {
    ...base,
    layer: [
      bars,
      {
        data: { values: [{ threshold: opts.threshold }] },
        mark: { type: 'rule', color: '#e45756', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'threshold', type: 'quantitative' } },
      },
    ],
  };
}

/**
 * The drift chart (bench/results/drift.svg), written by hand: one panel per scenario, every pair's signed
 * drift of presented positions over time, the one-frame band shaded, commands marked. No plotting library.
 */
import type { DriftSample } from './timeline.js';
import { FRAME_MS } from './timeline.js';

/** One panel: a series of pairwise samples and the commands to mark on it. */
export interface ChartPanel {
  title: string;
  series: readonly DriftSample[];
  /** Labels of the pairs, in the order of `diffs`. */
  pairLabels: readonly string[];
  /** Commands: true time and a short label. */
  marks?: readonly { t: number; label: string }[];
  /** Symmetric y range, ms (values beyond are drawn at the edge). Default: fitted to the data. */
  yLimitMs?: number;
}

const WIDTH = 1000;
const PANEL_HEIGHT = 210;
const MARGIN = { left: 58, right: 16, top: 30, bottom: 30 };
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (x: number) => (Math.round(x * 10) / 10).toString();

/** A "nice" number (1, 2, 2.5 or 5 times a power of ten) at or above `x`. */
function nice(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (x <= m * power) return m * power;
  return 10 * power;
}

/** A y-axis limit at or above `x`, at least 10 ms. */
function niceLimit(x: number): number {
  return nice(Math.max(10, x));
}

function panelSvg(panel: ChartPanel, top: number): string {
  const { series } = panel;
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  const y0 = top + MARGIN.top;
  const y1 = top + PANEL_HEIGHT - MARGIN.bottom;
  const out: string[] = [`<text x="${x0}" y="${top + 18}" class="title">${esc(panel.title)}</text>`];
  if (series.length < 2) return out.join('\n') + `\n<text x="${x0}" y="${y0 + 20}">no data</text>`;
  const tStart = series[0]!.t;
  const tEnd = series[series.length - 1]!.t;
  const peak = Math.max(...series.flatMap((s) => s.diffs.map(Math.abs)));
  const limit = panel.yLimitMs ?? niceLimit(Math.max(peak, FRAME_MS * 1.2));
  const sx = (t: number) => x0 + ((t - tStart) / (tEnd - tStart)) * (x1 - x0);
  const sy = (d: number) => (y0 + y1) / 2 - (Math.max(-limit, Math.min(limit, d)) / limit) * ((y1 - y0) / 2);
  // One-frame band and axes.
  out.push(`<rect x="${x0}" y="${sy(FRAME_MS)}" width="${x1 - x0}" height="${sy(-FRAME_MS) - sy(FRAME_MS)}" class="band"/>`);
  for (const v of [-limit, -limit / 2, 0, limit / 2, limit]) {
    out.push(`<line x1="${x0}" x2="${x1}" y1="${sy(v)}" y2="${sy(v)}" class="${v === 0 ? 'zero' : 'grid'}"/>`);
    out.push(`<text x="${x0 - 6}" y="${sy(v) + 4}" class="ylab">${fmt(v)}</text>`);
  }
  const seconds = (tEnd - tStart) / 1000;
  const tickStep = nice(Math.max(0.1, seconds / 10));
  for (let k = 0; k * tickStep <= seconds; k++) {
    const s = k * tickStep;
    out.push(`<line x1="${sx(tStart + s * 1000)}" x2="${sx(tStart + s * 1000)}" y1="${y1}" y2="${y1 + 4}" class="axis"/>`);
    out.push(`<text x="${sx(tStart + s * 1000)}" y="${y1 + 16}" class="xlab">${fmt(s)} s</text>`);
  }
  out.push(`<text x="14" y="${(y0 + y1) / 2}" transform="rotate(-90 14 ${(y0 + y1) / 2})" class="xlab">drift, ms</text>`);
  for (const m of panel.marks ?? []) {
    if (m.t < tStart || m.t > tEnd) continue;
    out.push(`<line x1="${sx(m.t)}" x2="${sx(m.t)}" y1="${y0}" y2="${y1}" class="mark"/>`);
    out.push(`<text x="${sx(m.t) + 2}" y="${y0 + 9}" class="marklab">${esc(m.label)}</text>`);
  }
  // One polyline per pair; a gap of more than 2 samples' time breaks it.
  panel.pairLabels.forEach((label, k) => {
    const color = COLORS[k % COLORS.length]!;
    let path = '';
    let previous = Number.NEGATIVE_INFINITY;
    const step = series.length > 1 ? series[1]!.t - series[0]!.t : 0;
    for (const s of series) {
      const cmd = s.t - previous > 2.5 * step ? 'M' : 'L';
      path += `${cmd}${sx(s.t).toFixed(1)},${sy(s.diffs[k]!).toFixed(1)}`;
      previous = s.t;
    }
    out.push(`<path d="${path}" stroke="${color}" class="series"/>`);
    out.push(`<text x="${x1 - 10 - (panel.pairLabels.length - k) * 62}" y="${top + 18}" fill="${color}" class="legend">${esc(label)}</text>`);
  });
  return out.join('\n');
}

/** The whole SVG document. */
export function driftChart(title: string, subtitle: string, panels: readonly ChartPanel[]): string {
  const height = 46 + panels.length * PANEL_HEIGHT;
  const body = panels.map((p, i) => panelSvg(p, 46 + i * PANEL_HEIGHT)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif">
<style>
  .title { font-size: 13px; font-weight: 600; fill: #111; }
  .head { font-size: 15px; font-weight: 700; fill: #111; }
  .sub { font-size: 11px; fill: #444; }
  .ylab { font-size: 10px; fill: #444; text-anchor: end; }
  .xlab { font-size: 10px; fill: #444; text-anchor: middle; }
  .legend { font-size: 10px; font-weight: 600; }
  .grid { stroke: #e5e7eb; stroke-width: 1; }
  .zero { stroke: #9ca3af; stroke-width: 1; }
  .axis { stroke: #6b7280; }
  .band { fill: #22c55e; fill-opacity: 0.10; }
  .mark { stroke: #6b7280; stroke-dasharray: 2 3; stroke-width: 1; }
  .marklab { font-size: 9px; fill: #6b7280; }
  .series { fill: none; stroke-width: 1; stroke-opacity: 0.8; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${MARGIN.left}" y="20" class="head">${esc(title)}</text>
<text x="${MARGIN.left}" y="36" class="sub">${esc(subtitle)}</text>
${body}
</svg>
`;
}

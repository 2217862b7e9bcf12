/**
 * The chart of `npm run bench:net` (bench/results/net.svg), written by hand: per profile, the media-clock
 * drift p95 of our drift controller against the jellyfin and syncplay presets (log scale), and the decision
 * latency p50 and p99 beside the measured tab-to-tab round trip. No plotting library.
 */
import type { ProfileJson } from './net-report.js';

const WIDTH = 1000;
const PANEL = 300;
const M = { left: 64, right: 20, top: 40, bottom: 44 };
const SERIES = [
  { key: 'ours', color: '#2563eb' },
  { key: 'jellyfin', color: '#dc2626' },
  { key: 'syncplay', color: '#16a34a' },
] as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x: number) => (Math.round(x * 10) / 10).toString();

interface Bar {
  value: number | null;
  color: string;
  label: string;
}

/** One panel of grouped bars, a group per profile. */
function panel(title: string, groups: { name: string; bars: Bar[]; marker?: number | null }[], top: number, scale: 'log' | 'linear', unit: string, goal?: number): string {
  const x0 = M.left;
  const x1 = WIDTH - M.right;
  const y0 = top + M.top;
  const y1 = top + PANEL - M.bottom;
  const values = groups.flatMap((g) => [...g.bars.map((b) => b.value), g.marker ?? null]).filter((v): v is number => v !== null && v > 0);
  const out = [`<text x="${x0}" y="${top + 22}" class="title">${esc(title)}</text>`];
  if (values.length === 0) return out.join('\n') + `<text x="${x0}" y="${y0 + 20}">no data</text>`;
  let sy: (v: number) => number;
  let ticks: number[];
  if (scale === 'log') {
    // A decade below the smallest bar, so even the smallest has some height.
    const lo = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...values) / 2)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, goal ?? 0)));
    sy = (v) => y1 - ((Math.log10(Math.max(lo, v)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (y1 - y0);
    ticks = [];
    for (let t = lo; t <= hi * 1.001; t *= 10) ticks.push(t);
  } else {
    const hi = Math.max(...values) * 1.1;
    const step = 10 ** Math.floor(Math.log10(hi)) * (hi / 10 ** Math.floor(Math.log10(hi)) > 5 ? 2 : hi / 10 ** Math.floor(Math.log10(hi)) > 2 ? 1 : 0.5);
    sy = (v) => y1 - (v / hi) * (y1 - y0);
    ticks = [];
    for (let t = 0; t <= hi; t += step) ticks.push(t);
  }
  for (const t of ticks) {
    out.push(`<line x1="${x0}" x2="${x1}" y1="${sy(t)}" y2="${sy(t)}" class="grid"/>`);
    out.push(`<text x="${x0 - 6}" y="${sy(t) + 4}" class="ylab">${num(t)}</text>`);
  }
  out.push(`<text x="14" y="${(y0 + y1) / 2}" class="ylab" transform="rotate(-90 14 ${(y0 + y1) / 2})">${esc(unit)}</text>`);
  if (goal !== undefined) out.push(`<line x1="${x0}" x2="${x1}" y1="${sy(goal)}" y2="${sy(goal)}" class="goal"/><text x="${x1 - 4}" y="${sy(goal) - 4}" class="goaltext">goal ${num(goal)} ${esc(unit)}</text>`);
  const groupWidth = (x1 - x0) / groups.length;
  groups.forEach((g, i) => {
    const gx = x0 + i * groupWidth;
    const barWidth = (groupWidth * 0.7) / g.bars.length;
    g.bars.forEach((b, k) => {
      const bx = gx + groupWidth * 0.15 + k * barWidth;
      if (b.value === null) {
        out.push(`<text x="${bx + barWidth / 2}" y="${y1 - 4}" class="na">n/a</text>`);
        return;
      }
      const y = sy(b.value);
      out.push(`<rect x="${bx}" y="${y}" width="${barWidth - 2}" height="${Math.max(0, y1 - y)}" fill="${b.color}"><title>${esc(`${g.name} ${b.label}: ${num(b.value)} ${unit}`)}</title></rect>`);
      out.push(`<text x="${bx + barWidth / 2}" y="${y - 3}" class="val">${num(b.value)}</text>`);
    });
    if (g.marker) {
      const y = sy(g.marker);
      out.push(`<line x1="${gx + groupWidth * 0.1}" x2="${gx + groupWidth * 0.9}" y1="${y}" y2="${y}" class="marker"/>`);
    }
    out.push(`<text x="${gx + groupWidth / 2}" y="${y1 + 18}" class="xlab">${esc(g.name)}</text>`);
  });
  return out.join('\n');
}

/** The whole chart. */
export function netChart(title: string, subtitle: string, profiles: Record<string, ProfileJson>): string {
  const names = Object.keys(profiles);
  const drift = panel(
    'media-clock drift between tabs, p95 (ms, log scale): ours (blue), jellyfin (red), syncplay (green)',
    names.map((name) => ({
      name,
      bars: SERIES.map((s) => ({ value: profiles[name]!.controllers[s.key]?.media_drift_p95_ms ?? null, color: s.color, label: s.key })),
    })),
    40,
    'log',
    'ms',
    5,
  );
  const decision = panel(
    'decision latency, called on one tab until decided on all (ms): p50 (blue), p99 (light); black line: tab-to-tab round trip',
    names.map((name) => ({
      name,
      bars: [
        { value: profiles[name]!.decision_p50_ms, color: '#2563eb', label: 'p50' },
        { value: profiles[name]!.decision_p99_ms, color: '#93c5fd', label: 'p99' },
      ],
      marker: profiles[name]!.rtt_ms,
    })),
    40 + PANEL,
    'linear',
    'ms',
  );
  const height = 40 + 2 * PANEL + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">
<style>
  .title { font-weight: 600; font-size: 13px; }
  .grid { stroke: #e5e7eb; }
  .goal { stroke: #111827; stroke-dasharray: 4 3; }
  .goaltext { text-anchor: end; font-size: 11px; }
  .marker { stroke: #111827; stroke-width: 2; }
  .ylab { text-anchor: end; fill: #4b5563; font-size: 11px; }
  .xlab { text-anchor: middle; }
  .val { text-anchor: middle; font-size: 10px; fill: #374151; }
  .na { text-anchor: middle; font-size: 10px; fill: #9ca3af; }
</style>
<rect width="100%" height="100%" fill="white"/>
<text x="${M.left}" y="18" class="title">${esc(title)}</text>
<text x="${M.left}" y="34" fill="#4b5563">${esc(subtitle)}</text>
${drift}
${decision}
</svg>
`;
}

/**
 * The timeline of loadtests/cluster/hpa.ts: one sample every few seconds, as CSV,
 * and its plot as a self-contained SVG drawn here (no plotting library).
 *
 *   node loadtests/cluster/timeline.ts docs/measurements/hpa-scale-out.csv [--cpu-target 70] [--service customer] > plot.svg
 *
 * The plot has five panels over the same time axis, the siege's and the ramp's
 * time shaded: replicas (the HPA's desired and current, the Ready and the
 * terminating pods), the HPA's CPU utilization against its target, the load's
 * answers per second and its p99 latency, the steady traffic's rate; failures as
 * red dots.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export type Phase = 'baseline' | 'siege' | 'scale-in' | 'ramp' | 'ramp-scale-in';
/** The phases that carry a load (siege or ramp), shaded in the plot. */
const loadPhases: Phase[] = ['siege', 'ramp'];

export interface Sample {
  /** Seconds since the test began. */
  t: number;
  phase: Phase;
  hpaCurrent: number;
  hpaDesired: number;
  /** The HPA's current CPU and memory utilization (% of the app container's request), as it reports them. */
  hpaCpuPct: number | null;
  hpaMemoryPct: number | null;
  /** Pods that are not terminating, of them Ready, and terminating. */
  pods: number;
  podsReady: number;
  podsTerminating: number;
  /** The app container's CPU per pod (metrics-server), millicores. */
  cpuMillicores: Record<string, number>;
  /** The load's (siege or ramp) virtual users at the sample, as its runner last reported. */
  loadVus: number;
  /** The load's answers per second since the previous sample, failures in that time, p99 of their latencies (ms). */
  loadRps: number;
  loadFailed: number;
  loadP99Ms: number | null;
  /** The steady traffic's answers per second since the previous sample, and failures in that time. */
  steadyRps: number;
  steadyFailed: number;
}

const columns = [
  't_s',
  'phase',
  'hpa_current_replicas',
  'hpa_desired_replicas',
  'hpa_cpu_utilization_pct',
  'hpa_memory_utilization_pct',
  'pods',
  'pods_ready',
  'pods_terminating',
  'cpu_millicores_total',
  'cpu_millicores_per_pod',
  'load_vus',
  'load_rps',
  'load_failed',
  'load_p99_ms',
  'steady_rps',
  'steady_failed',
] as const;
type Row = Record<(typeof columns)[number], string>;

/** The timeline as CSV; per-pod CPU is `<pod suffix>=<millicores>` joined by `;`. */
export function timelineCsv(samples: Sample[]): string {
  const lines = samples.map((s) => {
    const perPod = Object.entries(s.cpuMillicores)
      .map(([pod, m]) => `${pod.split('-').at(-1)}=${m}`)
      .join(';');
    const total = Object.values(s.cpuMillicores).reduce((a, b) => a + b, 0);
    return [
      s.t,
      s.phase,
      s.hpaCurrent,
      s.hpaDesired,
      s.hpaCpuPct ?? '',
      s.hpaMemoryPct ?? '',
      s.pods,
      s.podsReady,
      s.podsTerminating,
      total,
      perPod,
      s.loadVus,
      s.loadRps,
      s.loadFailed,
      s.loadP99Ms ?? '',
      s.steadyRps,
      s.steadyFailed,
    ].join(',');
  });
  return `${[columns.join(','), ...lines].join('\n')}\n`;
}

function parseCsv(csv: string): Row[] {
  const [head, ...lines] = csv.trim().split('\n');
  const names = (head ?? '').split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? ''])) as Row;
  });
}

// ---- the plot ---------------------------------------------------------------------------

const W = 900;
const LEFT = 70;
const RIGHT = 30;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** A step of 1, 2, 5 × 10^n giving about `count` ticks up to `max`. */
function tickStep(max: number, count: number): number {
  const raw = Math.max(max, 1) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
}

interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  step?: boolean;
  dash?: string;
  width?: number;
}

/** One panel: y axis from 0 to a rounded max, the series as polylines, a legend. */
function panel(
  top: number,
  height: number,
  title: string,
  ts: number[],
  x: (t: number) => number,
  series: Series[],
  opts: { yMax?: number; unit?: string; refLine?: { value: number; label: string } } = {},
): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const dataMax = Math.max(opts.yMax ?? 0, opts.refLine?.value ?? 0, ...all, 1);
  const step = tickStep(dataMax, 4);
  const yMax = Math.ceil(dataMax / step) * step;
  const y = (v: number) => top + height - (v / yMax) * height;
  const out: string[] = [
    `<text x="${LEFT}" y="${top - 8}" class="title">${esc(title)}</text>`,
    `<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${height}" class="frame"/>`,
  ];
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(
      `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
      `<text x="${LEFT - 6}" y="${y(v) + 4}" class="ytick">${fmt(v)}${opts.unit ?? ''}</text>`,
    );
  }
  if (opts.refLine) {
    const ry = y(opts.refLine.value);
    out.push(
      `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${ry}" y2="${ry}" class="ref"/>`,
      `<text x="${W - RIGHT - 4}" y="${ry - 4}" class="reflabel">${esc(opts.refLine.label)}</text>`,
    );
  }
  // The legend follows the title, on its line.
  let legendX = LEFT + title.length * 7.2 + 24;
  for (const s of series) {
    // A missing value (no answers in those 5 s) breaks the line.
    const segments: string[][] = [[]];
    s.values.forEach((v, i) => {
      const t = ts[i] ?? 0;
      const pts = segments.at(-1) ?? [];
      if (v === null) {
        if (pts.length) segments.push([]);
        return;
      }
      const prev = pts.length ? s.values[i - 1] : null;
      if (s.step && prev !== null && prev !== undefined) pts.push(`${x(t).toFixed(1)},${y(prev).toFixed(1)}`);
      pts.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    });
    for (const pts of segments.filter((p) => p.length))
      out.push(
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"` +
          `${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      );
    out.push(
      `<line x1="${legendX}" x2="${legendX + 18}" y1="${top - 12}" y2="${top - 12}" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${legendX + 22}" y="${top - 8}" class="legend">${esc(s.label)}</text>`,
    );
    legendX += 30 + s.label.length * 6.2;
  }
  return out.join('\n');
}

/** The SVG of a timeline CSV (timelineCsv's columns). */
export function plotTimeline(csv: string, opts: { cpuTarget?: number; service?: string } = {}): string {
  const service = opts.service ?? 'customer';
  const rows = parseCsv(csv);
  const n = (r: Row, c: keyof Row) => (r[c] === '' ? null : Number(r[c]));
  const ts = rows.map((r) => Number(r.t_s));
  const tMax = Math.max(...ts, 1);
  const xStep = tickStep(tMax, 10);
  const xEnd = Math.ceil(tMax / xStep) * xStep;
  const x = (t: number) => LEFT + (t / xEnd) * (W - LEFT - RIGHT);
  const panels = [
    { top: 40, height: 170 },
    { top: 260, height: 110 },
    { top: 420, height: 90 },
    { top: 560, height: 70 },
    { top: 680, height: 70 },
  ] as const;
  const bottom = panels[4].top + panels[4].height;
  const H = bottom + 50;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    '<style>.title{font-size:13px;font-weight:bold}.ytick{font-size:11px;text-anchor:end;fill:#444}' +
      '.xtick{font-size:11px;text-anchor:middle;fill:#444}.legend{font-size:11px}.frame{fill:none;stroke:#999}' +
      '.grid{stroke:#e4e4e4}.ref{stroke:#b00;stroke-dasharray:6 4}.reflabel{font-size:11px;fill:#b00;text-anchor:end}' +
      '.load{fill:#f3d9a4;opacity:.45}.fail{fill:#d00}</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
  ];
  // Each load's time: from its first sample (taken as it starts) to its last.
  for (const load of loadPhases) {
    const idx = rows.flatMap((r, i) => (r.phase === load ? [i] : []));
    if (!idx.length) continue;
    const from = ts[idx[0] ?? 0] ?? 0;
    const to = ts[idx.at(-1) ?? 0] ?? 0;
    for (const p of panels)
      out.push(`<rect x="${x(from)}" y="${p.top}" width="${x(to) - x(from)}" height="${p.height}" class="load"/>`);
    out.push(
      `<text x="${(x(from) + x(to)) / 2}" y="${panels[0].top + panels[0].height - 8}" class="xtick">${load}</text>`,
    );
  }
  out.push(
    panel(panels[0].top, panels[0].height, `${service.charAt(0).toUpperCase()}${service.slice(1)} pods`, ts, x, [
      { label: 'Ready pods', color: '#138a36', values: rows.map((r) => n(r, 'pods_ready')), step: true, width: 4 },
      {
        label: 'terminating',
        color: '#888',
        values: rows.map((r) => n(r, 'pods_terminating')),
        step: true,
        width: 1.5,
      },
      { label: 'HPA current', color: '#1f5fbf', values: rows.map((r) => n(r, 'hpa_current_replicas')), step: true },
      {
        label: 'HPA desired',
        color: '#e07b00',
        values: rows.map((r) => n(r, 'hpa_desired_replicas')),
        step: true,
        dash: '6 4',
      },
    ]),
    panel(
      panels[1].top,
      panels[1].height,
      `CPU of the ${service} app container (HPA utilization, % of its request)`,
      ts,
      x,
      [{ label: 'HPA CPU utilization', color: '#7a3db8', values: rows.map((r) => n(r, 'hpa_cpu_utilization_pct')) }],
      {
        unit: '%',
        ...(opts.cpuTarget !== undefined
          ? { refLine: { value: opts.cpuTarget, label: `target ${opts.cpuTarget}%` } }
          : {}),
      },
    ),
    panel(panels[2].top, panels[2].height, 'Siege and ramp: answers per second through the Ingress', ts, x, [
      { label: 'load', color: '#c0392b', values: rows.map((r) => n(r, 'load_rps')) },
    ]),
    panel(
      panels[3].top,
      panels[3].height,
      'Siege and ramp: p99 latency of each 5 s',
      ts,
      x,
      [{ label: 'p99', color: '#8e44ad', values: rows.map((r) => n(r, 'load_p99_ms')) }],
      { unit: ' ms' },
    ),
    panel(panels[4].top, panels[4].height, 'Steady traffic: answers per second (failed requests as red dots)', ts, x, [
      { label: 'steady traffic', color: '#2c7fb8', values: rows.map((r) => n(r, 'steady_rps')) },
    ]),
  );
  // A red dot under every sample with failures, in the panel of the traffic that failed.
  rows.forEach((r, i) => {
    for (const [column, p] of [
      ['load_failed', panels[2]],
      ['steady_failed', panels[4]],
    ] as const) {
      const failed = Number(r[column]);
      if (failed > 0)
        out.push(
          `<circle cx="${x(ts[i] ?? 0)}" cy="${p.top + p.height - 6}" r="4" class="fail"><title>${failed} failed</title></circle>`,
        );
    }
  });
  for (let t = 0; t <= xEnd + 1e-9; t += xStep)
    out.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>`,
      `<text x="${x(t)}" y="${bottom + 17}" class="xtick">${fmt(t)}</text>`,
    );
  out.push(`<text x="${(LEFT + W - RIGHT) / 2}" y="${bottom + 38}" class="xtick">seconds</text>`, '</svg>');
  return `${out.join('\n')}\n`;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'cpu-target': { type: 'string' }, service: { type: 'string', default: 'customer' } },
  });
  const file = positionals[0];
  if (!file) {
    console.error(
      'usage: node loadtests/cluster/timeline.ts TIMELINE.csv [--cpu-target 70] [--service customer] > plot.svg',
    );
    process.exit(2);
  }
  const target = values['cpu-target'];
  process.stdout.write(
    plotTimeline(readFileSync(file, 'utf8'), {
      service: values.service,
      ...(target !== undefined ? { cpuTarget: Number(target) } : {}),
    }),
  );
}

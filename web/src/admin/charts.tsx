// Hand-written SVG charts for the dashboard: horizontal bars (labels in Japanese are long, so
// they sit on their own line above each bar) and a small line chart of monthly counts. Each
// chart is an image with a text alternative, and its numbers are also in a table that screen
// readers reach, so nothing is shown only as a picture.
import { useId, type ReactNode } from 'react';

export interface BarDatum {
  key: string;
  label: string;
  value: number;
  /** Colour class: brand (default), warn, bad, ok, muted. */
  tone?: 'brand' | 'warn' | 'bad' | 'ok' | 'muted';
  /** Shown after the value, e.g. "日" / "days". */
  unit?: string;
}

function niceMax(value: number): number {
  if (value <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return value;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function DataTable({ caption, headers, rows }: { caption: string; headers: readonly string[]; rows: ReadonlyArray<readonly ReactNode[]> }) {
  return (
    <table className="visually-hidden">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {headers.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BarChart({ title, data, categoryHeader, valueHeader, max }: { title: string; data: readonly BarDatum[]; categoryHeader: string; valueHeader: string; max?: number }) {
  const titleId = useId();
  const width = 360;
  const rowHeight = 40;
  const labelSpace = 16;
  const barHeight = 14;
  const valueSpace = 64;
  const top = niceMax(max ?? Math.max(0, ...data.map((d) => d.value)));
  const height = data.length * rowHeight + 4;
  return (
    <figure className="chart">
      <figcaption id={titleId}>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby={titleId} className="chart-svg" preserveAspectRatio="xMinYMin meet">
        {data.map((d, i) => {
          const y = i * rowHeight;
          const barWidth = top === 0 ? 0 : ((width - valueSpace) * d.value) / top;
          return (
            <g key={d.key} transform={`translate(0 ${y})`}>
              <text x={0} y={12} className="chart-label">
                {d.label}
              </text>
              <rect x={0} y={labelSpace + 2} width={width - valueSpace} height={barHeight} className="chart-track" rx={2} />
              <rect x={0} y={labelSpace + 2} width={Math.max(barWidth, d.value > 0 ? 2 : 0)} height={barHeight} className={`chart-bar chart-${d.tone ?? 'brand'}`} rx={2} />
              <text x={width - valueSpace + 8} y={labelSpace + 14} className="chart-value">
                {formatNumber(d.value)}
                {d.unit ?? ''}
              </text>
            </g>
          );
        })}
      </svg>
      <DataTable caption={title} headers={[categoryHeader, valueHeader]} rows={data.map((d) => [d.label, `${formatNumber(d.value)}${d.unit ?? ''}`])} />
    </figure>
  );
}

export interface LineSeries {
  key: string;
  label: string;
  values: readonly number[];
  tone: 'brand' | 'accent';
}

export function LineChart({ title, categories, categoryHeader, series }: { title: string; categories: readonly string[]; categoryHeader: string; series: readonly LineSeries[] }) {
  const titleId = useId();
  const width = 720;
  const height = 240;
  const pad = { left: 36, right: 12, top: 12, bottom: 36 };
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const x = (i: number) => pad.left + (categories.length <= 1 ? innerW / 2 : (innerW * i) / (categories.length - 1));
  const y = (v: number) => pad.top + innerH - (top === 0 ? 0 : (innerH * v) / top);
  const ticks = [0, top / 2, top];
  // Every label fits at 12 months; beyond that every other month is labelled.
  const labelEvery = categories.length > 12 ? 2 : 1;
  return (
    <figure className="chart chart-wide">
      <figcaption id={titleId}>{title}</figcaption>
      <ul className="chart-legend" aria-hidden="true">
        {series.map((s) => (
          <li key={s.key}>
            <span className={`legend-swatch legend-${s.tone}`} />
            {s.label}
          </li>
        ))}
      </ul>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby={titleId} className="chart-svg">
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={pad.left} x2={width - pad.right} y1={y(tick)} y2={y(tick)} className="chart-grid" />
            <text x={pad.left - 6} y={y(tick) + 4} textAnchor="end" className="chart-axis">
              {formatNumber(tick)}
            </text>
          </g>
        ))}
        {categories.map((c, i) =>
          i % labelEvery === 0 ? (
            <text key={c} x={x(i)} y={height - 12} textAnchor="middle" className="chart-axis">
              {c.slice(2).replace('-', '/')}
            </text>
          ) : null,
        )}
        {series.map((s) => (
          <g key={s.key} className={`chart-line chart-line-${s.tone}`}>
            <polyline fill="none" points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
            {s.values.map((v, i) => (
              <circle key={i} cx={x(i)} cy={y(v)} r={3} />
            ))}
          </g>
        ))}
      </svg>
      <DataTable caption={title} headers={[categoryHeader, ...series.map((s) => s.label)]} rows={categories.map((c, i) => [c, ...series.map((s) => s.values[i] ?? 0)])} />
    </figure>
  );
}

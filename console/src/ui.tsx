/** Small shared pieces: hooks, status badges, a line chart in SVG, a message line. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorText } from './api';

/** Re-renders the caller whenever `subscribe`'s listener fires. */
export function useSubscription(subscribe: (l: () => void) => () => void): void {
  const [, setCount] = useState(0);
  useEffect(() => subscribe(() => setCount((n) => n + 1)), [subscribe]);
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount and whenever `deps` change or `reload` is called. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState((s) => ({ data: s.data, error: errorText(err), loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info'; children: ComponentChildren }) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

export function statusTone(status: string | null | undefined): 'ok' | 'warn' | 'bad' | 'info' {
  const s = (status ?? '').toLowerCase();
  if (s === 'up' || s === 'alive' || s === 'ready' || s === 'ok') return 'ok';
  if (s === 'down' || s === 'dead' || s === 'left' || s === 'unknown') return 'bad';
  if (s === 'starting' || s === 'suspect' || s === 'stopping') return 'warn';
  return 'info';
}

export function Message({ error, ok }: { error?: string | null; ok?: string | null }) {
  if (error) return <p class="msg error" role="alert">{error}</p>;
  if (ok) return <p class="msg ok" role="status">{ok}</p>;
  return null;
}

export interface Series {
  label: string;
  values: Array<number | null>;
  className: string;
}

/** A line chart of equally spaced points; the y axis starts at 0. */
export function LineChart({ title, series, unit, times }: { title: string; series: Series[]; unit: string; times: number[] }) {
  const w = 320;
  const h = 120;
  const pad = 4;
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const n = Math.max(2, times.length);
  const x = (i: number) => pad + ((w - 2 * pad) * i) / (n - 1);
  const y = (v: number) => h - pad - ((h - 2 * pad) * v) / max;
  const path = (values: Array<number | null>) => {
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const latest = series.map((s) => {
    const v = [...s.values].reverse().find((p) => p !== null);
    return `${s.label} ${v === undefined || v === null ? '—' : fmt(v)} ${unit}`;
  });
  const span = times.length > 1 ? Math.round((times[times.length - 1]! - times[0]!) / 60_000) : 0;
  return (
    <figure class="chart">
      <figcaption>
        <strong>{title}</strong> <span class="muted">{latest.join(' · ')}</span>
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${title}: ${latest.join(', ')}`} preserveAspectRatio="none">
        <line x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} class="axis" />
        {series.map((s) => (
          <path key={s.label} d={path(s.values)} class={`line ${s.className}`} />
        ))}
      </svg>
      <div class="chart-foot muted">
        <span>{times.length < 2 ? 'collecting samples…' : `last ${span || '<1'} min`}</span>
        <span>max {fmt(max)} {unit}</span>
      </div>
    </figure>
  );
}

export function fmt(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en');
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

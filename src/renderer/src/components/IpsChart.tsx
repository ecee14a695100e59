/**
 * A live uPlot chart of inferences/s over the last 60 s. Fed from the store's history through a
 * subscription (about once a second), not through React renders.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { HISTORY_SECONDS, store, type AppState, type Series } from '../state/store';

export interface IpsChartProps {
  /** A camera id, or null for the total across cameras. */
  cameraId: string | null;
  height?: number;
  color?: string;
}

function pick(state: AppState, cameraId: string | null): Series | undefined {
  return cameraId === null ? state.totalHistory : state.history.get(cameraId);
}

export function IpsChart({ cameraId, height = 70, color = '#38bdf8' }: IpsChartProps) {
  const holderRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const holder = holderRef.current;
    if (!holder) return;
    // No capacity line in inferences a second: cameras of different models cost different shares
    // of a core per inference, so their sum has no ceiling to draw (the capacity line counts cores).
    const series: uPlot.Series[] = [{}, { label: 'inf/s', stroke: color, width: 1.5, fill: `${color}22` }];
    const data = (): uPlot.AlignedData => {
      const s = pick(store.getState(), cameraId) ?? { t: [], ips: [] };
      return [s.t, s.ips];
    };
    const xRange = (): { min: number; max: number } => {
      const now = (store.getState().snapshot?.at ?? Date.now()) / 1000;
      return { min: now - HISTORY_SECONDS, max: now };
    };
    const plot = new uPlot(
      {
        width: Math.max(120, holder.clientWidth),
        height,
        legend: { show: false },
        cursor: { show: false },
        series,
        scales: {
          x: { time: false, range: () => { const r = xRange(); return [r.min, r.max]; } },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
        },
        axes: [
          {
            stroke: '#94a3b8',
            grid: { stroke: '#1e293b' },
            ticks: { show: false },
            size: 20,
            font: '10px system-ui',
            // Seconds before now reads better than wall-clock time on a 60 s window.
            values: (_u, splits) => splits.map((v) => `${Math.round(v - xRange().max)} s`),
          },
          {
            stroke: '#94a3b8',
            grid: { stroke: '#1e293b' },
            ticks: { show: false },
            size: 40,
            font: '10px system-ui',
            // A short chart has room for three labels: zero, half and the top.
            splits: (_u, _axis, min, max) => [min, (min + max) / 2, max],
            values: (_u, splits) => splits.map((v) => (v === 0 ? '0' : v >= 10 ? Math.round(v).toString() : v.toFixed(1))),
          },
        ],
      },
      data(),
      holder,
    );
    const unsubscribe = store.subscribe((state, previous) => {
      if (pick(state, cameraId) !== pick(previous, cameraId)) plot.setData(data());
    });
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(120, holder.clientWidth), height }));
    resize.observe(holder);
    return () => {
      unsubscribe();
      resize.disconnect();
      plot.destroy();
    };
  }, [cameraId, height, color]);

  return <div className="chart" ref={holderRef} data-testid="ips-chart" />;
}

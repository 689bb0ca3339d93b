/**
 * Chart.js charts, registered piecemeal (only what the two charts use, for the bundle's size).
 * lit-html renders the canvases; `updateCharts` creates or updates the charts on them after
 * each render.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

import type { PricePoint } from "../chain/history";
import type { VaultView } from "../chain/vault";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

const charts = new Map<string, Chart>();

function draw(id: string, config: Chart["config"]): void {
  const canvas = document.getElementById(id);
  if (!(canvas instanceof HTMLCanvasElement)) return;
  const existing = charts.get(id);
  if (existing && existing.canvas === canvas) {
    existing.data = config.data;
    existing.update("none");
    return;
  }
  existing?.destroy();
  charts.set(id, new Chart(canvas, config));
}

const pct = (bps: bigint) => Number(bps) / 100;

/** Current weight vs target, with the drift band around the target as a floating bar. */
export function drawWeights(view: VaultView): void {
  const labels = view.tokens.map((t) => t.symbol);
  const band = view.triggerBandBps;
  draw("weights-chart", {
    type: "bar",
    data: {
      labels,
      datasets: [
        {
          label: "Drift band",
          data: view.targetWeights.map((t) => [Math.max(0, pct(t - band)), pct(t + band)]),
          backgroundColor: "rgba(120, 144, 156, 0.25)",
          grouped: false,
          order: 2,
        },
        {
          label: "Target %",
          data: view.targetWeights.map(pct),
          backgroundColor: "rgba(84, 110, 122, 0.9)",
          barPercentage: 0.35,
          order: 1,
        },
        {
          label: "Current %",
          data: (view.currentWeights ?? []).map(pct),
          backgroundColor: "rgba(2, 119, 189, 0.9)",
          barPercentage: 0.35,
          order: 0,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: "% of NAV" } } },
    },
  } as Chart["config"]);
}

export function drawSharePrice(points: readonly PricePoint[], baseDecimals: number): void {
  draw("price-chart", {
    type: "line",
    data: {
      labels: points.map((p) => `#${p.block}`),
      datasets: [
        {
          label: "Share price",
          data: points.map((p) => Number(p.price) / 10 ** baseDecimals),
          borderColor: "rgb(2, 119, 189)",
          pointRadius: 2,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
    },
  } as Chart["config"]);
}

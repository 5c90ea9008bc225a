/**
 * chart.js, registered once with only the parts ExoStack's pages draw (tree-shaken), in the site's
 * dark palette. Charts never animate: live data arrives a few times a second and an animation per
 * update would keep the main thread busy.
 */
import {
	BarController,
	BarElement,
	CategoryScale,
	Chart,
	Filler,
	Legend,
	LinearScale,
	LineController,
	LineElement,
	PointElement,
	Tooltip
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);
Chart.defaults.color = '#94a3b8';
Chart.defaults.borderColor = '#1e2a44';
Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

export const PALETTE = ['#38bdf8', '#4ade80', '#fbbf24', '#f472b6', '#a78bfa', '#fb923c', '#2dd4bf', '#f87171', '#94a3b8'];

export { Chart };
export type { ChartConfiguration, ChartType } from 'chart.js';

/**
 * Task weight classes and the readiness bands that may take them (DESIGN.md: heavy tasks from 80,
 * moderate from 60, light from 40). A task's weight is its model's cost (MB of ONNX weights, see
 * modelCost on the hub): a bigger model means more memory and longer runs on the owner's laptop.
 */
import type { Band } from './score';

export const TASK_WEIGHTS = ['light', 'moderate', 'heavy'] as const;
export type TaskWeight = (typeof TASK_WEIGHTS)[number];

/** Model cost (MB of weights) at which a task becomes moderate, and heavy. */
export const WEIGHT_EDGES = { moderate: 100, heavy: 500 } as const;

export function weightOfCost(cost: number): TaskWeight {
	if (cost >= WEIGHT_EDGES.heavy) return 'heavy';
	if (cost >= WEIGHT_EDGES.moderate) return 'moderate';
	return 'light';
}

/** The weights a band may take: heavy takes all, none takes nothing. */
export const WEIGHTS_FOR_BAND: Record<Band, readonly TaskWeight[]> = {
	heavy: ['light', 'moderate', 'heavy'],
	moderate: ['light', 'moderate'],
	light: ['light'],
	none: []
};

/** The highest model cost a band may take (exclusive); Infinity for heavy. */
export function maxCostForBand(band: Band): number {
	if (band === 'heavy') return Infinity;
	if (band === 'moderate') return WEIGHT_EDGES.heavy;
	if (band === 'light') return WEIGHT_EDGES.moderate;
	return 0;
}

/** MB of ONNX weights in a model's files: its cost as the hub computes it, and about what loading it takes. */
export function weightsMb(files: readonly { path: string; size: number }[]): number {
	return files.filter((f) => f.path.endsWith('.onnx')).reduce((n, f) => n + f.size, 0) / 1e6;
}

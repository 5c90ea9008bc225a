/**
 * How the dispatch bench prints a figure: beside the issue's target (met, or missed by how many times) and
 * the load average while it was taken, since this 2-core machine is shared and a figure means little
 * without the load it was measured under.
 */
import os from 'node:os';
import { fmt } from './stats';

/** Samples the 1-minute load average once a second while a part runs. */
export class LoadSampler {
	private readonly samples = [os.loadavg()[0]];
	private readonly timer = setInterval(() => this.samples.push(os.loadavg()[0]), 1000);

	/** Stops sampling; the range seen, e.g. "load 1.32–2.80". */
	stop(): string {
		clearInterval(this.timer);
		this.samples.push(os.loadavg()[0]);
		return `load ${fmt(Math.min(...this.samples), 2)}–${fmt(Math.max(...this.samples), 2)}`;
	}
}

/** Runs a part with its load average sampled throughout. */
export async function sampled<T>(run: () => Promise<T>): Promise<T & { load: string }> {
	const sampler = new LoadSampler();
	const result = await run().catch((e: unknown) => {
		sampler.stop();
		throw e;
	});
	return { ...result, load: sampler.stop() };
}

/**
 * "met" or "missed by N×" against a target. `atLeast`: the figure must reach the target (throughput);
 * otherwise it must stay under it (latency).
 */
export function verdict(value: number, target: number, kind: 'atLeast' | 'atMost'): string {
	if (!Number.isFinite(value)) return 'not measured';
	const met = kind === 'atLeast' ? value >= target : value <= target;
	if (met) return 'met';
	const by = kind === 'atLeast' ? target / value : value / target;
	return `missed by ${fmt(by, 2)}×`;
}

/** One printed figure: name, value, then the target and its verdict, then the load. */
export function figure(name: string, value: string, target: string, load: string) {
	console.log(`  ${name.padEnd(34)} ${value.padEnd(30)} ${target}${load ? `  (${load})` : ''}`);
}

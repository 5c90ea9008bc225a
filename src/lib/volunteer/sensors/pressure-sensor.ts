import type { PressureState } from '$lib/readiness/score';
import type { Sensor } from './sensor';

interface PressureRecord {
	state: PressureState;
}
interface PressureObserverLike {
	observe(source: 'cpu'): Promise<void>;
	disconnect(): void;
}
type PressureObserverCtor = new (callback: (records: PressureRecord[]) => void) => PressureObserverLike;

/** Compute Pressure on the CPU (`PressureObserver`). Absent, or refused: null (the score counts 20 of 30). */
export class PressureSensor implements Sensor<PressureState | null> {
	value: PressureState | null = null;
	private readonly Observer = (globalThis as { PressureObserver?: PressureObserverCtor }).PressureObserver;
	readonly available = this.Observer !== undefined;
	private observer: PressureObserverLike | null = null;

	async start(changed: () => void) {
		if (!this.Observer) return;
		this.observer = new this.Observer((records) => {
			const last = records.at(-1);
			if (!last || last.state === this.value) return;
			this.value = last.state;
			changed();
		});
		await this.observer.observe('cpu').catch(() => (this.observer = null));
	}

	stop() {
		this.observer?.disconnect();
	}
}

import type { Sensor } from './sensor';

interface BatteryManager extends EventTarget {
	charging: boolean;
	level: number;
}

/** Battery Status (`navigator.getBattery`): charging and level. Absent (Firefox, Safari): null. */
export class BatterySensor implements Sensor<{ charging: boolean; level: number } | null> {
	value: { charging: boolean; level: number } | null = null;
	readonly available = typeof (navigator as { getBattery?: unknown }).getBattery === 'function';
	private readonly listeners = new AbortController();

	async start(changed: () => void) {
		if (!this.available) return;
		const battery = await (navigator as unknown as { getBattery(): Promise<BatteryManager> }).getBattery().catch(() => null);
		if (!battery) return;
		const read = () => {
			this.value = { charging: battery.charging, level: battery.level };
			changed();
		};
		for (const type of ['chargingchange', 'levelchange']) battery.addEventListener(type, read, { signal: this.listeners.signal });
		read();
	}

	stop() {
		this.listeners.abort();
	}
}

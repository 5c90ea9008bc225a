import type { Sensor } from './sensor';

interface NetworkInformationLike extends EventTarget {
	saveData?: boolean;
	/** Only some platforms say (Chromium on Android and ChromeOS); desktop Chromium leaves it undefined. */
	type?: string;
}

/** Why model downloads should wait on this connection: the owner asked to save data, or it is a cellular (metered) link. */
export type MeteredReason = 'save-data' | 'cellular';

/**
 * The Network Information API (`navigator.connection`): whether the connection is one the owner pays
 * for by the byte. Absent (Firefox, Safari): null, counted as unmetered, since nothing says otherwise.
 * Read live: Chromium changes `saveData` without a `change` event, so the monitor's once-a-second
 * assessment and each task request read it afresh; `change` (type, speed) only makes it sooner.
 */
export class NetworkSensor implements Sensor<MeteredReason | null> {
	private readonly connection = (navigator as { connection?: NetworkInformationLike }).connection;
	readonly available = this.connection !== undefined;
	private readonly listeners = new AbortController();

	get value(): MeteredReason | null {
		const c = this.connection;
		return c?.saveData ? 'save-data' : c?.type === 'cellular' ? 'cellular' : null;
	}

	start(changed: () => void) {
		this.connection?.addEventListener('change', changed, { signal: this.listeners.signal });
	}

	stop() {
		this.listeners.abort();
	}
}

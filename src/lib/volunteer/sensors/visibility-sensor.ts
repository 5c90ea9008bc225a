import type { Sensor } from './sensor';

/** Page Visibility: whether the volunteer tab is hidden, and since when (a hidden tab is one sign the owner is away). */
export class VisibilitySensor implements Sensor<{ hidden: boolean; since: number }> {
	value = { hidden: document.visibilityState === 'hidden', since: Date.now() };
	readonly available = true;
	private readonly listeners = new AbortController();

	start(changed: () => void) {
		document.addEventListener(
			'visibilitychange',
			() => {
				this.value = { hidden: document.visibilityState === 'hidden', since: Date.now() };
				changed();
			},
			{ signal: this.listeners.signal }
		);
	}

	stop() {
		this.listeners.abort();
	}
}

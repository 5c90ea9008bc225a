import type { Sensor } from './sensor';
import type { VisibilitySensor } from './visibility-sensor';

interface IdleDetectorLike extends EventTarget {
	userState: 'active' | 'idle' | null;
	screenState: 'locked' | 'unlocked' | null;
	start(options: { threshold: number; signal?: AbortSignal }): Promise<void>;
}
type IdleDetectorCtor = { new (): IdleDetectorLike; requestPermission(): Promise<'granted' | 'denied'> };

export interface IdleReading {
	state: 'active' | 'idle';
	/** Seconds since the owner was last seen. */
	seconds: number;
	source: 'idle-detection' | 'page';
}

/** The Idle Detection API's smallest threshold; shorter idle_duration settings are met once it says idle. */
const DETECTOR_MIN_SECONDS = 60;
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'];

/**
 * Where the owner is. With the Idle Detection API (permission asked on a click, see `requestPermission`)
 * it sees the whole machine: input anywhere, a locked screen. Without it (absent or denied) it falls
 * back to what the page can see: the owner counts as away only while the tab is hidden and there was no
 * input on the page, timed from the later of the two.
 */
export class IdleSensor implements Sensor<IdleReading> {
	private readonly Detector = (globalThis as { IdleDetector?: IdleDetectorCtor }).IdleDetector;
	readonly available = this.Detector !== undefined;
	private detector: IdleDetectorLike | null = null;
	/** When the detector last reported a change, and what it said. */
	private detectorIdleSince: number | null = null;
	private lastInput = Date.now();
	private readonly listeners = new AbortController();
	private changed: () => void = () => {};

	constructor(
		private readonly visibility: VisibilitySensor,
		private readonly thresholdSeconds: () => number
	) {}

	get value(): IdleReading {
		const now = Date.now();
		if (this.detector) {
			if (this.detectorIdleSince === null) return { state: 'active', seconds: 0, source: 'idle-detection' };
			const seconds = Math.max(this.thresholdSeconds(), DETECTOR_MIN_SECONDS) + (now - this.detectorIdleSince) / 1000;
			return { state: 'idle', seconds, source: 'idle-detection' };
		}
		const { hidden, since } = this.visibility.value;
		if (!hidden) return { state: 'active', seconds: 0, source: 'page' };
		const seconds = (now - Math.max(since, this.lastInput)) / 1000;
		return { state: seconds >= this.thresholdSeconds() ? 'idle' : 'active', seconds, source: 'page' };
	}

	get permission(): 'granted' | 'not-asked' | 'unavailable' {
		if (!this.available) return 'unavailable';
		return this.detector ? 'granted' : 'not-asked';
	}

	async start(changed: () => void) {
		this.changed = changed;
		for (const type of INPUT_EVENTS)
			addEventListener(
				type,
				() => {
					this.lastInput = Date.now();
					if (!this.detector) changed();
				},
				{ signal: this.listeners.signal, passive: true }
			);
		// Already granted (a return visit, or a test): start without asking.
		await this.startDetector().catch(() => {});
	}

	/**
	 * Asks for the Idle Detection permission. Browsers allow this only from a user gesture (a click on
	 * the page's button), so it is never called on load. Returns whether the detector now runs.
	 */
	async requestPermission(): Promise<boolean> {
		if (!this.Detector) return false;
		const answer = await this.Detector.requestPermission().catch(() => 'denied' as const);
		if (answer !== 'granted') return false;
		await this.startDetector();
		this.changed();
		return this.detector !== null;
	}

	private async startDetector() {
		if (!this.Detector || this.detector) return;
		const detector = new this.Detector();
		detector.addEventListener('change', () => {
			const away = detector.userState === 'idle' || detector.screenState === 'locked';
			this.detectorIdleSince = away ? (this.detectorIdleSince ?? Date.now()) : null;
			this.changed();
		});
		await detector.start({ threshold: Math.max(this.thresholdSeconds(), DETECTOR_MIN_SECONDS) * 1000, signal: this.listeners.signal });
		this.detector = detector;
		const away = detector.userState === 'idle' || detector.screenState === 'locked';
		this.detectorIdleSince = away ? Date.now() : null;
	}

	stop() {
		this.listeners.abort();
	}
}

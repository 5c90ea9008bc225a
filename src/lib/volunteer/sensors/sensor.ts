/**
 * One readiness signal behind a small interface, so the monitor does not care where it comes from and
 * a test can drive it (tests drive the real browser APIs: Idle Detection and Compute Pressure over CDP,
 * battery and visibility through the page, see tests/e2e/readiness.test.ts).
 */
export interface Sensor<T> {
	/** The current reading; null when the API is absent or not yet read. */
	readonly value: T;
	/** Whether the browser offers the API (false: the monitor degrades as DESIGN.md says). */
	readonly available: boolean;
	/** Starts listening; `changed` is called on every change of the reading. */
	start(changed: () => void): Promise<void> | void;
	stop(): void;
}

/**
 * The volunteer's readiness, live: the sensors, the owner's settings and mode, through the pure
 * assessment (src/lib/readiness/) with its hysteresis. It re-assesses on every sensor event (so the
 * owner's return is seen at once, not at the next tick) and once a second (for durations: idle time,
 * the resume delay), on the volunteer's clock: a hidden tab's own timers would see them a minute late. `changed` is told when anything the hub gates on changes; the volunteer then
 * reports at once instead of at its next heartbeat.
 */
import { assessReadiness, type Assessment, type ReadinessMemory } from '$lib/readiness/hysteresis';
import { waivedForAlways, type ReadinessSignals } from '$lib/readiness/score';
import type { Readiness, VolunteerMode } from '$lib/protocol/volunteer';
import { BatterySensor } from './sensors/battery-sensor';
import { IdleSensor } from './sensors/idle-sensor';
import { PressureSensor } from './sensors/pressure-sensor';
import { VisibilitySensor } from './sensors/visibility-sensor';
import { NetworkSensor } from './sensors/network-sensor';
import { scheduleBlocker } from './schedule';
import type { VolunteerSettings } from './settings';
import type { Clock } from './clock';

export class ReadinessMonitor {
	readonly visibility = new VisibilitySensor();
	readonly idle: IdleSensor;
	readonly battery = new BatterySensor();
	readonly pressure = new PressureSensor();
	/** Whether the connection is metered: it pauses model downloads, not computing (model-limits.ts). */
	readonly network = new NetworkSensor();
	#assessment = $state<Assessment | null>(null);
	/** Bumped on every assessment: the sensors' readings are plain fields, so the panel re-reads them on this. */
	#tick = $state(0);
	/** What the hub hears, rebuilt once per assessment (or settings change), not on every read. */
	readonly #readiness = $derived.by(() => this.report(this.#assessment ?? this.assess().assessed));
	private memory: ReadinessMemory | null = null;
	private stopTick: (() => void) | null = null;

	constructor(
		private readonly settings: () => VolunteerSettings,
		private readonly mode: () => VolunteerMode,
		private readonly changed: () => void
	) {
		this.idle = new IdleSensor(this.visibility, () => this.settings().idleDuration);
	}

	/** The latest verdict, its power tier and limits; null until the first assessment. */
	get assessment(): Assessment | null {
		return this.#assessment;
	}

	get tick(): number {
		return this.#tick;
	}

	/** What the hub hears: the verdict and the signals behind it, so it can score them itself. */
	get readiness(): Readiness {
		return this.#readiness;
	}

	async start(clock: Clock) {
		const update = () => this.update();
		this.visibility.start(update);
		this.network.start(update);
		await Promise.all([this.idle.start(update), this.battery.start(update), this.pressure.start(update)]);
		this.update();
		this.stopTick = clock.every(1000, update);
	}

	stop() {
		this.stopTick?.();
		for (const s of [this.visibility, this.idle, this.battery, this.pressure, this.network]) s.stop();
	}

	/** Assesses the signals now; tells `changed` when what the hub gates on changed. */
	update(): Assessment {
		const { assessed, memory } = this.assess();
		const before = this.#assessment;
		this.memory = memory;
		this.#assessment = assessed;
		this.#tick++;
		if (!before || before.ready !== assessed.ready || before.tier !== assessed.tier || before.band !== assessed.band) this.changed();
		return assessed;
	}

	/** The signals as scored: in `always` mode the owner's presence and pressure are waived (they chose to compute anyway). */
	private signals(): ReadinessSignals {
		const s = this.settings();
		const idle = this.idle.value;
		const signals: ReadinessSignals = {
			idle: { userActive: idle.state === 'active', idleSeconds: idle.seconds },
			idleThresholdSeconds: s.idleDuration,
			power: this.battery.value,
			batteryFloor: s.batteryFloor,
			pressure: this.pressure.value
		};
		return this.mode() === 'always' ? waivedForAlways(signals) : signals;
	}

	/** The assessment the signals give now, with the owner's mode, heat limit and schedule; stores nothing. */
	private assess() {
		const s = this.settings();
		const a = assessReadiness(this.signals(), { resumeDelaySeconds: s.resumeDelay, heatLimit: s.heatLimit }, this.memory, Date.now());
		const mode = this.mode();
		const outside = scheduleBlocker(s.schedule);
		if (mode === 'paused') a.blockers.unshift('paused by the owner');
		if (outside) a.blockers.unshift(outside);
		return { assessed: { ...a, ready: a.ready && mode !== 'paused' && !outside }, memory: a.memory };
	}

	private report(a: Assessment): Readiness {
		const s = this.settings();
		const idle = this.idle.value;
		return {
			score: a.score,
			ready: a.ready,
			idle: { state: idle.state, seconds: Math.min(idle.seconds, 1e9), thresholdSeconds: s.idleDuration, source: idle.source },
			power: this.battery.value,
			batteryFloor: s.batteryFloor,
			pressure: this.pressure.value,
			tier: a.tier,
			band: a.band
		};
	}
}

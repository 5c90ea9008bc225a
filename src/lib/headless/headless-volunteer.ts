/**
 * The headless volunteer: the browser volunteer's protocol and work loop, computing with
 * onnxruntime-node instead of a web worker. For servers that want to help, and for tests.
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { io } from 'socket.io-client';
import { VOLUNTEER_NAMESPACE } from '../protocol/events';
import type { Capabilities, Readiness, VolunteerMode } from '../protocol/volunteer';
import { TaskRunner } from '../executor/task-runner';
import { DEFAULT_SIGNALS_CONFIG, scoreReadiness } from '../readiness/score';
import { hubFileSource, type ModelFileSource } from '../executor/model-files';
import type { OrtRuntime } from '../executor/ort-runtime';
import { WorkLoop, type WorkLoopListener, type WorkLoopOptions } from '../volunteer/work-loop';
import type { VolunteerSocket } from '../volunteer/volunteer-socket';

export interface HeadlessOptions {
	hubUrl: string;
	mode?: VolunteerMode;
	/** A signed identity from an earlier run, to come back as the same volunteer. */
	identity?: string | null;
	onIdentity?: (identity: string, volunteerId: string) => void;
	listener?: WorkLoopListener;
	loop?: Partial<WorkLoopOptions>;
	/** Threads for onnxruntime-node; default all cores. */
	threads?: number;
	/** Where model files come from; by default the hub's blob store over HTTP. */
	files?: ModelFileSource;
}

export function nodeCapabilities(): Capabilities {
	return {
		agent: 'node',
		backend: 'native',
		webgpu: null,
		cores: os.availableParallelism(),
		deviceMemory: Math.round(os.totalmem() / 2 ** 30),
		crossOriginIsolated: false,
		taskTypes: TaskRunner.taskTypes,
		userAgent: `exostack-headless node/${process.versions.node}`
	};
}

/** A server has no owner at the keyboard and no battery; its CPU pressure is not measured yet. */
const serverScore = scoreReadiness({
	...DEFAULT_SIGNALS_CONFIG,
	idle: { userActive: false, idleSeconds: Number.POSITIVE_INFINITY },
	power: { charging: true, level: 1 },
	pressure: null
}).score;

/**
 * What a server reports: no owner (idle source `none`, which the hub counts as long idle), plugged in,
 * pressure unknown. With the signals the hub scores it like any volunteer.
 */
export function serverReadiness(mode: VolunteerMode): Readiness {
	return {
		score: serverScore,
		ready: mode !== 'paused',
		idle: { state: 'idle', seconds: 1e9, thresholdSeconds: DEFAULT_SIGNALS_CONFIG.idleThresholdSeconds, source: 'none' },
		power: { charging: true, level: 1 },
		batteryFloor: DEFAULT_SIGNALS_CONFIG.batteryFloor,
		pressure: null,
		tier: 'plugged',
		band: 'heavy'
	};
}

export function startHeadlessVolunteer(opts: HeadlessOptions) {
	let identity = opts.identity ?? null;
	let mode: VolunteerMode = opts.mode ?? 'always';
	const runner = new TaskRunner(ort as unknown as OrtRuntime, opts.files ?? hubFileSource(opts.hubUrl), {
		intraOpNumThreads: opts.threads ?? os.availableParallelism()
	});
	const socket: VolunteerSocket = io(new URL(VOLUNTEER_NAMESPACE, opts.hubUrl).href, {
		transports: ['websocket'],
		autoConnect: false
	});
	const capabilities = nodeCapabilities();
	const loop = new WorkLoop(
		socket,
		{
			backend: 'native',
			async run(task, hooks, signal) {
				const started = performance.now();
				const { outputs, variant } = await runner.run(task, { ...hooks, signal });
				return { outputs, variant, durationMs: performance.now() - started };
			}
		},
		{
			credentials: async () => ({ identity, capabilities, mode, readiness: serverReadiness(mode) }),
			saveIdentity: (issued, volunteerId) => {
				identity = issued;
				opts.onIdentity?.(issued, volunteerId);
			},
			readiness: () => serverReadiness(mode),
			mode: () => mode
		},
		opts.listener,
		opts.loop
	);
	loop.start();
	return {
		socket,
		setMode(next: VolunteerMode) {
			mode = next;
			loop.statusChanged();
		},
		/** Stops computing and disconnects; the hub releases any lease still held. */
		async stop() {
			loop.stop();
			socket.close();
			await runner.release();
		}
	};
}

/**
 * Volunteers that misbehave, for the chaos test: the real work loop and the real TaskRunner
 * (onnxruntime-node), with an executor wrapped to stall, to answer wrongly (an adversary the
 * validator must catch), and with a socket the test can cut. Honest ones compute for real and take a
 * random extra moment, as slow laptops would.
 */
import * as ort from 'onnxruntime-node';
import { io } from 'socket.io-client';
import { TaskRunner } from '../../src/lib/executor/task-runner';
import { hubFileSource } from '../../src/lib/executor/model-files';
import type { OrtRuntime } from '../../src/lib/executor/ort-runtime';
import { WorkLoop, type Executor } from '../../src/lib/volunteer/work-loop';
import type { VolunteerSocket } from '../../src/lib/volunteer/volunteer-socket';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';

export interface Behaviour {
	/**
	 * Adds independent noise of up to ±skew/2 to every number of the outputs: a cheat (or broken
	 * hardware). 0 is honest. Cheats do not collude: replication defends against independent wrong
	 * answers; identical wrong answers from colluding volunteers would be a quorum of their own.
	 */
	skew: number;
	/** Chance that a task is never finished (the lease must expire or be released on disconnect). */
	stall: number;
	/** Extra milliseconds per task, drawn from [0, latency). */
	latency: number;
}

export function startChaosVolunteer(hubUrl: string, behaviour: Behaviour) {
	const runner = new TaskRunner(ort as unknown as OrtRuntime, hubFileSource(hubUrl), { intraOpNumThreads: 1 });
	const socket: VolunteerSocket = io(`${hubUrl}/volunteer`, { transports: ['websocket'], autoConnect: false, reconnectionDelayMax: 1000 });
	let identity: string | null = null;
	let volunteerId = '';
	const executor: Executor = {
		backend: 'native',
		async run(task, hooks, signal) {
			const started = performance.now();
			if (Math.random() < behaviour.stall) await abortOf(signal);
			const { variant, outputs: computed } = await runner.run(task, { ...hooks, signal });
			let outputs = computed as number[][];
			await sleep(Math.random() * behaviour.latency);
			if (behaviour.skew) outputs = outputs.map((v) => v.map((x) => x + behaviour.skew * (Math.random() - 0.5)));
			return { outputs, variant, durationMs: performance.now() - started };
		}
	};
	const loop = new WorkLoop(
		socket,
		executor,
		{
			credentials: async () => ({ identity, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } }),
			saveIdentity: (issued, id) => {
				identity = issued;
				volunteerId = id;
			},
			readiness: () => ({ score: 90, ready: true }),
			mode: () => 'always'
		},
		{},
		{ pollMs: 1000, ackMs: 5000, renewMs: 1000 }
	);
	loop.start();
	return {
		get id() {
			return volunteerId;
		},
		/** Drops the connection now and comes back after `ms`. */
		blip(ms: number) {
			socket.disconnect();
			setTimeout(() => socket.connect(), ms);
		},
		async stop() {
			loop.stop();
			socket.close();
			await runner.release();
		}
	};
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function abortOf(signal: AbortSignal): Promise<never> {
	return new Promise((_, reject) =>
		signal.addEventListener('abort', () => reject(new DOMException('stalled task aborted', 'AbortError')), { once: true })
	);
}

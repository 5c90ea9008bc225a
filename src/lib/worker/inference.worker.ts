/// <reference lib="webworker" />
/**
 * The volunteer's compute: a module worker so inference never stalls the page. It loads
 * onnxruntime-web for the backend the page chose (WebGPU, or multi-threaded WASM) and runs tasks
 * through the same TaskRunner the headless volunteer uses. Model files come through the worker's
 * verified cache (model-cache.ts), so a model is downloaded once per volunteer.
 */
import '../protocol/zod-jitless'; // first, before any schema is built
import type { FromWorker, ToWorker } from '../protocol/worker-messages';
import { TaskRunner } from '../executor/task-runner';
import { DutyGovernor } from '../executor/duty-governor';
import { PartialAbort } from '../executor/slices';
import { variantPreference } from '../protocol/variants';
import { loadOrt } from './load-ort';
import { ModelCache } from './model-cache';
import { webLlmLoader } from './web-llm-engine';
import { probeWebGpu } from '../gpu/probe-webgpu';

declare const self: DedicatedWorkerGlobalScope;

let runner: TaskRunner | null = null;
/** Milliseconds spent computing since the worker started: the page measures its busy share from it. */
let busyMs = 0;
/** One duty cycle for all the tasks this worker runs at once. */
const governor = new DutyGovernor();
const running = new Map<number, AbortController>();

const post = (msg: FromWorker) => self.postMessage(msg);

self.onmessage = async (event: MessageEvent<ToWorker>) => {
	const msg = event.data;
	switch (msg.type) {
		case 'init': {
			try {
				const { ort, sessionOptions, threads } = await loadOrt(msg.backend, msg.threads);
				const files = await ModelCache.open(msg.hubUrl, msg.modelBudget, (event, cache) => post({ type: 'files', event, cache }));
				const webLlm = msg.backend === 'webgpu' ? webLlmLoader(msg.hubUrl, files, probeWebGpu) : undefined;
				runner = new TaskRunner(ort, files, sessionOptions, variantPreference(msg.backend, msg.gpuFeatures), webLlm);
				post({ type: 'ready', id: msg.id, backend: msg.backend, threads });
			} catch (e) {
				post({ type: 'error', id: msg.id, message: errorMessage(e), aborted: false });
			}
			return;
		}
		case 'run':
			return run(msg.id, msg.task, msg.dutyCycle, msg.urgent);
		case 'cancel':
			running.get(msg.id)?.abort();
			return;
	}
};

async function run(id: number, task: Extract<ToWorker, { type: 'run' }>['task'], dutyCycle: number, urgent: boolean) {
	if (!runner) return post({ type: 'error', id, message: 'the worker was not initialised', aborted: false });
	const controller = new AbortController();
	running.set(id, controller);
	const started = performance.now();
	try {
		const { outputs, variant } = await runner.run(task, {
			signal: controller.signal,
			dutyCycle,
			governor,
			urgent,
			onBusy: (ms) => (busyMs += ms),
			onProgress: (done) => post({ type: 'progress', id, done, busyMs }),
			onText: (index, delta) => post({ type: 'text', id, index, delta }),
			onLastSlice: () => post({ type: 'last-slice', id })
		});
		post({ type: 'result', id, outputs, variant, durationMs: performance.now() - started });
	} catch (e) {
		const partial = e instanceof PartialAbort ? e.outputs : undefined;
		post({ type: 'error', id, message: errorMessage(e), aborted: controller.signal.aborted, partial });
	} finally {
		running.delete(id);
	}
}

function errorMessage(e: unknown): string {
	return e instanceof Error ? e.message : String(e);
}

/**
 * The bench's work: the repo's tiny generated model (a 1-layer, 16-wide BERT encoder) imported into a
 * hub, and embedding jobs of one short input per task, so each task's cost is the dispatch around it
 * rather than the model.
 */
import { api, tempDir, type HubProcess } from '../../tests/harness/hub-process';
import { writeModelFolder } from '../../src/lib/demo-models/write-model-folder';

export const TINY_MODEL = 'tiny';

/** Tasks of the job run before a measured one, so every volunteer has the model loaded. */
const WARM_UP_TASKS = 100;

/**
 * The settings every hub of the bench runs with: `pool` database connections (the same for every
 * contender), no demo models to download, jobs of up to `tasks` inputs, and only warnings logged.
 */
export function benchHubEnv(pool: number, tasks: number): Record<string, string> {
	return {
		EXOSTACK_DB_POOL: String(pool),
		EXOSTACK_DEMO_MODELS: 'off',
		EXOSTACK_MAX_INPUTS: String(Math.max(tasks, WARM_UP_TASKS)),
		EXOSTACK_LOG_LEVEL: 'warn'
	};
}

export async function importTinyModel(hub: HubProcess) {
	const dir = tempDir('exostack-tiny-');
	await writeModelFolder(dir, { layout: 'pooled', size: 'tiny' });
	const imported = await api(hub, '/api/models', { method: 'POST', json: { path: dir, id: TINY_MODEL } });
	if (imported.status !== 201) throw new Error(`import failed: ${await imported.text()}`);
}

/** Input i of every job: ten distinct texts, so equal inputs must get equal outputs (outputs-agree.ts). */
export const benchInput = (i: number) => `task ${i % 10}`;

/** Submits a job of `tasks` one-input tasks; its id. */
export async function submitJob(hub: HubProcess, tasks: number): Promise<string> {
	const submitted = await api(hub, '/api/jobs', {
		method: 'POST',
		json: { task_type: 'embedding', model: TINY_MODEL, input: Array.from({ length: tasks }, (_, i) => benchInput(i)), chunk_size: 1 }
	});
	if (submitted.status !== 201) throw new Error(`submit failed: ${submitted.status} ${await submitted.text()}`);
	return (await submitted.json()).job_id;
}

/** Polls the job until it completes (throws if it fails). */
export async function waitForJob(hub: HubProcess, id: string, pollMs = 100): Promise<void> {
	for (;;) {
		const s = await (await api(hub, `/api/jobs/${id}`)).json();
		if (s.status === 'completed') return;
		if (s.status === 'failed') throw new Error(`job failed: ${JSON.stringify(s.errors)}`);
		await new Promise((r) => setTimeout(r, pollMs));
	}
}

/**
 * A small job first, so every volunteer has downloaded and loaded the model before the measured one:
 * the measured figure is dispatch, not a model download.
 */
export async function warmUp(hub: HubProcess) {
	await waitForJob(hub, await submitJob(hub, WARM_UP_TASKS));
}

/** Submits a job of `tasks` tasks and times it from submission to completion. */
export async function timedJob(hub: HubProcess, tasks: number) {
	const started = performance.now();
	const id = await submitJob(hub, tasks);
	const submitSeconds = (performance.now() - started) / 1000;
	await waitForJob(hub, id);
	const seconds = (performance.now() - started) / 1000;
	return { id, seconds, submitSeconds, tasksPerSecond: tasks / seconds };
}

/** The submit form in real Chromium (its token lives in localStorage), the hub's answer stubbed at fetch. */
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SubmitForm } from './submit-form.svelte';

/** A job id as the hub makes them: the contract's schema refuses anything else. */
const JOB = '0b6f1c9e-2f0a-4a43-9d1e-5b7e0c1d2a3b';

const models = [
	{ id: 'demo-embedding', taskTypes: ['embedding' as const] },
	{ id: 'demo-gpt', taskTypes: ['text_generation' as const] },
	{ id: 'demo-classifier', taskTypes: ['classification' as const, 'image_classification' as const] }
];

afterEach(() => {
	vi.restoreAllMocks();
	localStorage.clear();
});

describe('SubmitForm', () => {
	it('takes one input per non-empty line', () => {
		const form = new SubmitForm(models);
		form.text = ' first \n\n second\n';
		expect(form.inputs).toEqual(['first', 'second']);
	});

	it('keeps the task type to what the chosen model offers', () => {
		const form = new SubmitForm(models);
		expect([form.model, form.taskType]).toEqual(['demo-embedding', 'embedding']);
		form.chooseModel('demo-classifier');
		expect([form.taskTypes, form.taskType]).toEqual([['classification', 'image_classification'], 'classification']);
		form.taskType = 'image_classification';
		expect(form.takesImages).toBe(true);
		form.chooseModel('demo-classifier');
		expect(form.taskType).toBe('image_classification');
	});

	it('sends only the params of its task type, blank fields left to the hub, and follows edits', () => {
		const form = new SubmitForm(models);
		const seen: Record<string, unknown>[] = [];
		const cleanup = $effect.root(() => {
			$effect(() => {
				seen.push(form.params);
			});
		});
		flushSync();
		form.chooseModel('demo-gpt');
		form.seed = '';
		form.stop = '\\n\\n,END';
		flushSync();
		form.chooseModel('demo-classifier');
		form.topK = 3;
		flushSync();
		cleanup();
		expect(seen).toEqual([{}, { max_tokens: 64, temperature: 0, stop: ['\n\n', 'END'] }, { top_k: 3 }]);
	});

	it('says what is missing instead of submitting', async () => {
		const fetch = vi.spyOn(window, 'fetch');
		const form = new SubmitForm(models);
		expect(await form.submit()).toBeNull();
		expect(form.error).toBe('enter at least one input, one per line');
		form.text = 'hello';
		expect(await form.submit()).toBeNull();
		expect(form.error).toMatch(/API token/);
		expect(fetch).not.toHaveBeenCalled();
	});

	it('submits the job, and keeps the token the hub accepted for next time', async () => {
		const fetch = vi.spyOn(window, 'fetch').mockResolvedValue(Response.json({ job_id: JOB, status: 'queued' }, { status: 201 }));
		const form = new SubmitForm(models);
		form.text = 'a\nb';
		form.token.value = ' exo_secret ';
		form.priority = 'high';
		expect(await form.submit()).toBe(JOB);
		expect([form.busy, form.error]).toEqual([false, null]);
		const [url, init] = fetch.mock.calls[0];
		expect(url).toBe('/api/jobs');
		expect(new Headers(init?.headers).get('authorization')).toBe('Bearer exo_secret');
		expect(JSON.parse(String(init?.body))).toEqual({
			task_type: 'embedding',
			model: 'demo-embedding',
			input: ['a', 'b'],
			priority: 'high',
			params: {}
		});
		expect(localStorage.getItem('exostack:api-token')).toBe('exo_secret');
		expect(new SubmitForm(models).token.value).toBe('exo_secret');
	});

	it('shows the hub’s refusal', async () => {
		vi.spyOn(window, 'fetch').mockResolvedValue(Response.json({ error: 'unknown model' }, { status: 400 }));
		const form = new SubmitForm(models);
		form.text = 'a';
		form.token.value = 'exo_x';
		expect(await form.submit()).toBeNull();
		expect(form.error).toBe('unknown model');
		expect(localStorage.getItem('exostack:api-token')).toBeNull();
	});
});

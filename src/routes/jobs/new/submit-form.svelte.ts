import type { TaskType } from '$lib/protocol/models';
import { ApiTokenField } from '$lib/components/api-token.svelte';

interface ModelChoice {
	id: string;
	taskTypes: TaskType[];
}

/** The submit form's state: what the person typed, and the call that turns it into a job. */
export class SubmitForm {
	token = new ApiTokenField();
	model = $state('');
	taskType = $state<TaskType>('embedding');
	text = $state('');
	priority = $state<'low' | 'normal' | 'high'>('normal');
	busy = $state(false);
	error = $state<string | null>(null);

	constructor(private readonly models: ModelChoice[]) {
		this.model = models[0]?.id ?? '';
		this.taskType = models[0]?.taskTypes[0] ?? 'embedding';
	}

	/** One input per non-empty line. */
	get inputs(): string[] {
		return this.text.split('\n').map((l) => l.trim()).filter(Boolean);
	}

	get taskTypes(): TaskType[] {
		return this.models.find((m) => m.id === this.model)?.taskTypes ?? [];
	}

	chooseModel(id: string) {
		this.model = id;
		if (!this.taskTypes.includes(this.taskType)) this.taskType = this.taskTypes[0] ?? 'embedding';
	}

	/** Submits; resolves to the new job's id, or null with `error` set. */
	async submit(): Promise<string | null> {
		this.error = null;
		if (this.inputs.length === 0) return this.fail('enter at least one input, one per line');
		if (!this.token.value.trim()) return this.fail('enter the hub’s API token (printed when the hub starts)');
		this.busy = true;
		try {
			const response = await fetch('/api/jobs', {
				method: 'POST',
				headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token.value.trim()}` },
				body: JSON.stringify({ task_type: this.taskType, model: this.model, input: this.inputs, priority: this.priority })
			});
			const body = await response.json().catch(() => ({}));
			if (!response.ok) return this.fail(body.error ?? `the hub answered ${response.status}`);
			this.token.remember();
			return body.task_id as string;
		} catch (e) {
			return this.fail(`could not reach the hub: ${(e as Error).message}`);
		} finally {
			this.busy = false;
		}
	}

	private fail(message: string): null {
		this.error = message;
		return null;
	}
}

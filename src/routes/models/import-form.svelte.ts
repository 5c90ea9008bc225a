import { invalidateAll } from '$app/navigation';
import { ApiTokenField } from '$lib/components/api-token.svelte';
import { TASK_TYPES, type TaskType } from '$lib/protocol/models';

/** The admin page's import form: a folder on the hub's disk or a Hugging Face repository id. */
export class ImportForm {
	readonly token = new ApiTokenField();
	readonly taskTypes = TASK_TYPES;
	#from = $state<'folder' | 'hf'>('hf');
	#source = $state('');
	#id = $state('');
	#taskType = $state<TaskType | ''>('');
	#busy = $state(false);
	#error = $state<string | null>(null);
	#imported = $state<string | null>(null);

	/** Where the model comes from: a Hugging Face repository or a folder on the hub's disk. */
	get from() {
		return this.#from;
	}
	set from(choice: 'folder' | 'hf') {
		this.#from = choice;
	}
	/** The repository id or the folder path. */
	get source() {
		return this.#source;
	}
	set source(typed: string) {
		this.#source = typed;
	}
	get id() {
		return this.#id;
	}
	set id(typed: string) {
		this.#id = typed;
	}
	/** Empty: inferred from the model's config.json. */
	get taskType() {
		return this.#taskType;
	}
	set taskType(type: TaskType | '') {
		this.#taskType = type;
	}
	get busy() {
		return this.#busy;
	}
	get error() {
		return this.#error;
	}
	/** The id of the model just imported. */
	get imported() {
		return this.#imported;
	}

	async submit() {
		this.#error = null;
		this.#imported = null;
		if (!this.#source.trim())
			return void (this.#error = this.#from === 'hf' ? 'enter a repository id (owner/name)' : 'enter a folder path on the hub');
		if (this.#from === 'folder' && !this.#id.trim()) return void (this.#error = 'a folder import needs a model id');
		if (!this.token.value.trim()) return void (this.#error = 'enter the hub’s API token');
		const body = {
			...(this.#from === 'hf' ? { hf: this.#source.trim() } : { path: this.#source.trim() }),
			...(this.#id.trim() ? { id: this.#id.trim() } : {}),
			...(this.#taskType ? { task_type: this.#taskType } : {})
		};
		this.#busy = true;
		try {
			const res = await fetch('/api/models', {
				method: 'POST',
				headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token.value.trim()}` },
				body: JSON.stringify(body)
			});
			const reply = await res.json().catch(() => ({}));
			if (!res.ok) return void (this.#error = reply.error ?? `the hub answered ${res.status}`);
			this.token.remember();
			this.#imported = reply.id;
			await invalidateAll();
		} catch (e) {
			this.#error = `could not reach the hub: ${(e as Error).message}`;
		} finally {
			this.#busy = false;
		}
	}
}

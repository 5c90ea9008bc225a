import { invalidateAll } from '$app/navigation';
import { ApiTokenField } from '$lib/components/api-token.svelte';
import { TASK_TYPES, type TaskType } from '$lib/protocol/models';
import type { ImportModelRequest } from '$lib/protocol/rest/models';
import { ApiRequestError } from '$lib/api-client/api-request-error';
import { importModel } from '$lib/api-client/endpoints';
import { HubApi } from '$lib/api-client/hub-api';

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
		const common = { ...(this.#taskType ? { task_type: this.#taskType } : {}) };
		const id = this.#id.trim();
		const body: ImportModelRequest =
			this.#from === 'hf' ? { hf: this.#source.trim(), ...(id ? { id } : {}), ...common } : { path: this.#source.trim(), id, ...common };
		this.#busy = true;
		try {
			const model = await importModel(new HubApi({ token: this.token.value.trim() }), body);
			this.token.remember();
			this.#imported = model.id;
			await invalidateAll();
		} catch (e) {
			if (!(e instanceof ApiRequestError)) throw e;
			this.#error = e.status === 0 ? `could not reach the hub: ${e.message}` : e.message;
		} finally {
			this.#busy = false;
		}
	}
}

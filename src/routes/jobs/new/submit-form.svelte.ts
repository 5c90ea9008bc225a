import type { TaskType } from '$lib/protocol/models';
import { ApiRequestError } from '$lib/api-client/api-request-error';
import { submitJob, uploadImages } from '$lib/api-client/endpoints';
import { HubApi } from '$lib/api-client/hub-api';
import { ApiTokenField } from '$lib/components/api-token.svelte';

type NumberField = number | string | null | undefined;
type Priority = 'low' | 'normal' | 'high';

interface ModelChoice {
	id: string;
	taskTypes: TaskType[];
}

/**
 * The submit form's state: what the person typed (fields the inputs bind to), what follows from it
 * (derived), and the calls that turn it into a job.
 */
export class SubmitForm {
	readonly token = new ApiTokenField();
	#model = $state('');
	#taskType = $state<TaskType>('embedding');
	#text = $state('');
	#priority = $state<Priority>('normal');
	#maxTokens = $state<NumberField>(64);
	#temperature = $state<NumberField>(0);
	#topP = $state<NumberField>(null);
	#seed = $state<NumberField>(null);
	#stop = $state('');
	#topK = $state<NumberField>(5);
	#images = $state.raw<File[]>([]);
	#busy = $state(false);
	#error = $state<string | null>(null);
	/** One input per non-empty line. */
	readonly #inputs = $derived(
		this.#text
			.split('\n')
			.map((l) => l.trim())
			.filter(Boolean)
	);
	readonly #taskTypes = $derived.by(() => this.models.find((m) => m.id === this.#model)?.taskTypes ?? []);
	readonly #params = $derived.by(() => this.paramsFor(this.#taskType));

	constructor(private readonly models: ModelChoice[]) {
		this.#model = models[0]?.id ?? '';
		this.#taskType = models[0]?.taskTypes[0] ?? 'embedding';
	}

	get model() {
		return this.#model;
	}
	get taskType() {
		return this.#taskType;
	}
	set taskType(type: TaskType) {
		this.#taskType = type;
	}
	get text() {
		return this.#text;
	}
	set text(typed: string) {
		this.#text = typed;
	}
	get priority() {
		return this.#priority;
	}
	set priority(p: Priority) {
		this.#priority = p;
	}
	/** text_generation settings (number inputs bind numbers, or null when empty); empty means the hub's default. */
	get maxTokens() {
		return this.#maxTokens;
	}
	set maxTokens(v: NumberField) {
		this.#maxTokens = v;
	}
	get temperature() {
		return this.#temperature;
	}
	set temperature(v: NumberField) {
		this.#temperature = v;
	}
	get topP() {
		return this.#topP;
	}
	set topP(v: NumberField) {
		this.#topP = v;
	}
	get seed() {
		return this.#seed;
	}
	set seed(v: NumberField) {
		this.#seed = v;
	}
	get stop() {
		return this.#stop;
	}
	set stop(typed: string) {
		this.#stop = typed;
	}
	/** Labels per input for the classification types. */
	get topK() {
		return this.#topK;
	}
	set topK(v: NumberField) {
		this.#topK = v;
	}
	get images(): readonly File[] {
		return this.#images;
	}
	get busy() {
		return this.#busy;
	}
	get error() {
		return this.#error;
	}
	get inputs(): string[] {
		return this.#inputs;
	}
	get taskTypes(): TaskType[] {
		return this.#taskTypes;
	}
	get takesImages(): boolean {
		return this.#taskType === 'image_classification';
	}
	/** The job's params from the fields that apply to its type; blank fields are left to the hub's defaults. */
	get params(): Record<string, unknown> {
		return this.#params;
	}

	chooseModel(id: string) {
		this.#model = id;
		if (!this.#taskTypes.includes(this.#taskType)) this.#taskType = this.#taskTypes[0] ?? 'embedding';
	}

	chooseImages(files: File[]) {
		this.#images = files;
	}

	/** Submits (uploading the images first for an image job); resolves to the new job's id, or null with `error` set. */
	async submit(): Promise<string | null> {
		this.#error = null;
		if (!this.takesImages && this.inputs.length === 0) return this.fail('enter at least one input, one per line');
		if (this.takesImages && this.images.length === 0) return this.fail('choose at least one PNG or JPEG image');
		if (!this.token.value.trim()) return this.fail('enter the hub’s API token (printed when the hub starts)');
		this.#busy = true;
		try {
			const api = new HubApi({ token: this.token.value.trim() });
			const input = this.takesImages ? await this.uploadImages(api) : this.inputs;
			const { job_id } = await submitJob(api, {
				task_type: this.taskType,
				model: this.model,
				input,
				priority: this.priority,
				params: this.params
			});
			this.token.remember();
			return job_id;
		} catch (e) {
			if (!(e instanceof ApiRequestError)) throw e;
			return this.fail(e.status === 0 ? `could not reach the hub: ${e.message}` : e.message);
		} finally {
			this.#busy = false;
		}
	}

	private paramsFor(type: TaskType): Record<string, unknown> {
		const num = (v: NumberField) => (v === null || v === undefined || String(v).trim() === '' ? undefined : Number(v));
		const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
		if (type === 'text_generation') {
			const stop = this.#stop
				.split(',')
				.map((s) => s.replaceAll('\\n', '\n'))
				.filter(Boolean);
			return defined({
				max_tokens: num(this.#maxTokens),
				temperature: num(this.#temperature),
				top_p: num(this.#topP),
				seed: num(this.#seed),
				stop: stop.length ? stop : undefined
			});
		}
		if (type === 'classification' || type === 'image_classification') return defined({ top_k: num(this.#topK) });
		return {};
	}

	private async uploadImages(api: HubApi): Promise<string[]> {
		const form = new FormData();
		for (const file of this.images) form.append('file', file, file.name);
		return (await uploadImages(api, form)).images.map((i) => i.ref);
	}

	private fail(message: string): null {
		this.#error = message;
		return null;
	}
}

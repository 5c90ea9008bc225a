/** The CLI's subcommands; each takes parsed options and returns an exit code. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { getJob, importModel as importModelCall, jobResults, submitJob, uploadImages } from '../api-client/endpoints';
import { TaskType } from '../protocol/models';
import { CliError, type HubClient } from './hub-client';
import { watchJob } from './watch-text';

type Out = { write(s: string): unknown };
export interface Io {
	out: Out;
	err: Out;
}

const completionText = (output: unknown) =>
	typeof output === 'string'
		? output
		: output && typeof output === 'object' && 'text' in output
			? String((output as { text: unknown }).text)
			: JSON.stringify(output);

export interface InferOptions {
	model: string;
	prompt: string;
	params: Record<string, unknown>;
	timeoutMs: number;
	json: boolean;
}

/** Submits one prompt and prints the completion as volunteers generate it. */
export async function infer(client: HubClient, o: InferOptions, io: Io): Promise<number> {
	const { job_id: id } = await client.use((api) =>
		submitJob(api, { task_type: 'text_generation', model: o.model, input: [o.prompt], params: o.params, priority: 'high' })
	);
	let printed = '';
	const status = await watchJob(
		client.url,
		client.token,
		id,
		{
			text: (index, delta) => {
				if (index !== 0 || o.json) return;
				printed += delta;
				io.out.write(delta);
			}
		},
		o.timeoutMs
	);
	const job = await client.use((api) => getJob(api, id));
	if (status !== 'completed' || !job.result) throw new CliError(`job ${id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
	if (o.json) {
		io.out.write(`${JSON.stringify(job.result[0])}\n`);
		return 0;
	}
	const text = completionText(job.result[0]);
	// The accepted completion is the record: print what the stream missed, or all of it if another volunteer's won.
	if (text.startsWith(printed)) io.out.write(text.slice(printed.length));
	else io.out.write(`\n${text}`);
	io.out.write('\n');
	return 0;
}

export interface SubmitOptions {
	type: string;
	model: string;
	inputs: string[];
	images: string[];
	params: Record<string, unknown>;
	priority?: string;
	chunkSize?: number;
	wait: boolean;
	timeoutMs: number;
}

/** Submits a job (uploading images first for image jobs) and prints its id, or waits and prints its status. */
export async function submit(client: HubClient, o: SubmitOptions, io: Io): Promise<number> {
	const inputs = [...o.inputs];
	for (const file of o.images) {
		const bytes = await readFile(file).catch(() => {
			throw new CliError(`cannot read ${file}`);
		});
		const type = /\.png$/i.test(file) ? 'image/png' : 'image/jpeg';
		const { images } = await client.use((api) => uploadImages(api, bytes, type));
		inputs.push(images[0].ref);
	}
	if (inputs.length === 0) throw new CliError('no inputs: give --input, --file or --image', 2);
	const body = { task_type: o.type, model: o.model, input: inputs, params: o.params, priority: o.priority, chunk_size: o.chunkSize };
	const { job_id: id } = await client.use((api) => submitJob(api, body));
	if (!o.wait) {
		io.out.write(`${id}\n`);
		return 0;
	}
	const status = await watchJob(client.url, client.token, id, { text() {} }, o.timeoutMs);
	io.out.write(`${JSON.stringify(await client.use((api) => getJob(api, id)), null, 2)}\n`);
	return status === 'completed' ? 0 : 1;
}

export async function status(client: HubClient, id: string, io: Io): Promise<number> {
	const view = await client.use((api) => getJob(api, id));
	io.out.write(
		`${JSON.stringify({ ...view, result: view.result ? `${view.result.length} outputs (exostack results ${id})` : null }, null, 2)}\n`
	);
	return 0;
}

/** Streams a job's results as JSONL or CSV. */
export async function results(client: HubClient, id: string, format: string, io: Io): Promise<number> {
	const res = await client.use((api) => jobResults(api, id, format));
	const decoder = new TextDecoder();
	for await (const chunk of res.body!) io.out.write(decoder.decode(chunk as Uint8Array, { stream: true }));
	return 0;
}

/** Imports a model folder on the hub's disk (this machine's path, made absolute), or a Hugging Face repository. */
export async function importModel(
	client: HubClient,
	o: { folder?: string; hf?: string; id?: string; taskType?: string; revision?: string },
	io: Io
): Promise<number> {
	if (!o.folder === !o.hf) throw new CliError('give a folder or --hf <owner/name>, not both', 2);
	const parsedType = TaskType.optional().safeParse(o.taskType);
	if (!parsedType.success) throw new CliError(`--task-type must be one of ${TaskType.options.join(', ')}`, 2);
	const taskType = parsedType.data;
	const body = o.hf
		? { hf: o.hf, id: o.id, task_type: taskType, revision: o.revision }
		: { path: path.resolve(o.folder!), id: o.id ?? path.basename(path.resolve(o.folder!)), task_type: taskType };
	const model = await client.use((api) => importModelCall(api, body));
	io.out.write(`imported ${model.id} (${model.task_types.join(', ')}), ${model.files.length} files\n`);
	return 0;
}

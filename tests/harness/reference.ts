/**
 * The reference embeddings for end-to-end checks: the model's files, downloaded from the hub and
 * verified against their sha256, run by onnxruntime-node through the shared executor.
 */
import * as ort from 'onnxruntime-node';
import { EmbeddingExecutor } from '../../src/lib/executor/embedding-executor';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hubFileSource, readJsonFile, findFile, verifyFile, type ModelFileSource } from '../../src/lib/executor/model-files';
import type { OrtRuntime } from '../../src/lib/executor/ort-runtime';
import type { ModelManifest, Pooling, TaskType } from '../../src/lib/protocol/models';
import type { ModelVariant } from '../../src/lib/protocol/variants';
import { TaskRunner } from '../../src/lib/executor/task-runner';

interface ModelView {
	id: string;
	files: ModelManifest['files'];
	embedding: { dimensions: number; max_length: number; pooling: Pooling; normalize: boolean; output: string };
}

/**
 * `dataDir`: read the files from the hub's store on disk instead of downloading them, for tests that
 * count the bytes the hub sends and must not count their own.
 */
export async function nodeReference(hubUrl: string, modelId: string, dataDir?: string): Promise<EmbeddingExecutor> {
	const view = (await (await fetch(`${hubUrl}/api/models/${modelId}`)).json()) as ModelView;
	const manifest: ModelManifest = { id: view.id, taskTypes: ['embedding'], files: view.files };
	const source = dataDir ? diskFileSource(dataDir) : hubFileSource(hubUrl);
	const e = view.embedding;
	return EmbeddingExecutor.create(
		ort as unknown as OrtRuntime,
		{
			model: await source.read(findFile(manifest, 'onnx/model.onnx')!),
			tokenizer: await readJsonFile(source, manifest, 'tokenizer.json'),
			tokenizerConfig: await readJsonFile(source, manifest, 'tokenizer_config.json', {})
		},
		{ dimensions: e.dimensions, maxLength: e.max_length, pooling: e.pooling, normalize: e.normalize, output: e.output },
		{ intraOpNumThreads: 1 }
	);
}

function diskFileSource(dataDir: string): ModelFileSource {
	return {
		async read(file) {
			const bytes = new Uint8Array(await readFile(path.join(dataDir, 'blobs', file.sha256)));
			await verifyFile(file, bytes);
			return bytes;
		}
	};
}

export function maxAbsDiff(a: number[], b: number[]): number {
	if (a.length !== b.length) return Number.POSITIVE_INFINITY;
	return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

/** onnxruntime-node's vectors for `texts` on a hub's model: the reference a volunteer's result must equal. */
export async function referenceEmbeddings(hubUrl: string, modelId: string, texts: string[]): Promise<number[][]> {
	const executor = await nodeReference(hubUrl, modelId);
	try {
		return await executor.embed(texts);
	} finally {
		await executor.release();
	}
}

/**
 * onnxruntime-node running a task exactly as a headless volunteer would (the shared TaskRunner, files
 * from the hub verified by sha256), pinned to one variant: the reference for any task type. q8 runs at
 * optimisation level 'basic', where onnxruntime-node computes it as WASM does (see the executor spec).
 */
export async function referenceOutputs(
	hubUrl: string,
	task: { taskType: TaskType; modelId: string; inputs: string[]; params?: Record<string, unknown>; variant?: ModelVariant }
): Promise<unknown[]> {
	const view = (await (await fetch(`${hubUrl}/api/models/${task.modelId}`)).json()) as ModelView & { task_types: TaskType[] };
	const model: ModelManifest = {
		id: view.id,
		taskTypes: view.task_types,
		files: view.files,
		...(view.embedding
			? {
					embedding: {
						dimensions: view.embedding.dimensions,
						maxLength: view.embedding.max_length,
						pooling: view.embedding.pooling,
						normalize: view.embedding.normalize,
						output: view.embedding.output
					}
				}
			: {})
	};
	const variant = task.variant ?? 'fp32';
	const runner = new TaskRunner(ort as unknown as OrtRuntime, hubFileSource(hubUrl), {
		intraOpNumThreads: 1,
		graphOptimizationLevel: variant === 'q8' ? 'basic' : 'all'
	});
	try {
		const { outputs } = await runner.run({
			taskType: task.taskType,
			model,
			inputs: task.inputs,
			params: { ...(task.params ?? {}), variant }
		});
		return outputs;
	} finally {
		await runner.release();
	}
}

/** The variant a result was computed with, from the backend class the hub recorded (`wasm-q8`, `webgpu`, …). */
/** The model variant in a task's result class (`<backend class>/<variant>`, as GET /api/jobs/{id}/tasks shows it). */
export function variantOfResultClass(resultClass: string): ModelVariant {
	const variant = resultClass.split('/')[1];
	return variant === 'fp16' || variant === 'q8' ? variant : 'fp32';
}

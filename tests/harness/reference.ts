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
import type { ModelManifest, Pooling } from '../../src/lib/protocol/models';

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

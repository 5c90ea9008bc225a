import { z } from 'zod';
import { SHA256 } from './ids';

/** The kinds of work a job can ask for. Only `embedding` runs today; the others arrive with their executors. */
export const TASK_TYPES = ['embedding', 'text_generation', 'classification', 'image_classification'] as const;
export const TaskType = z.enum(TASK_TYPES);
export type TaskType = z.infer<typeof TaskType>;

/**
 * How an embedding model's graph output becomes one vector per input.
 * - `none`: the graph already pools (output rank 2), as the demo model does.
 * - `mean` / `cls`: the graph returns token states (rank 3), as a Hugging Face
 *   sentence-transformers export does, and the executor pools them.
 */
export const Pooling = z.enum(['none', 'mean', 'cls']);
export type Pooling = z.infer<typeof Pooling>;

export const EmbeddingConfig = z.object({
	pooling: Pooling,
	/** L2-normalise each vector after pooling (sentence-transformers' Normalize module). */
	normalize: z.boolean(),
	/** Inputs are truncated to this many tokens, special tokens included. */
	maxLength: z.number().int().min(2).max(8192),
	/** Output width; lets the hub check a result's shape before accepting it. */
	dimensions: z.number().int().positive(),
	/** Name of the graph output to read. */
	output: z.string().min(1)
});
export type EmbeddingConfig = z.infer<typeof EmbeddingConfig>;

export const ModelFile = z.object({
	/** Path inside the model folder, Hugging Face layout: `onnx/model.onnx`, `tokenizer.json`, … */
	path: z.string().min(1),
	sha256: z.string().regex(SHA256),
	size: z.number().int().nonnegative()
});
export type ModelFile = z.infer<typeof ModelFile>;

/** What a volunteer needs to know to fetch, verify and run a model. */
export const ModelManifest = z.object({
	id: z.string().min(1),
	taskTypes: z.array(TaskType).min(1),
	files: z.array(ModelFile).min(1),
	embedding: EmbeddingConfig.optional()
});
export type ModelManifest = z.infer<typeof ModelManifest>;

/** Where a volunteer fetches a file: content-addressed, so the URL never changes meaning and caches forever. */
export function blobUrl(sha256: string): string {
	return `/blobs/${sha256}`;
}

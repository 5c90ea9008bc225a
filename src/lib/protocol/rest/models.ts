/** The model endpoints' bodies (`/api/models*`). */
import { z } from 'zod';
import { Pooling, TaskType } from '../models';

/** A model as the REST API shows it, with each file's URL. */
export const ModelView = z.object({
	id: z.string(),
	task_types: z.array(TaskType),
	source: z.string().optional(),
	credit_per_input: z.number(),
	embedding: z
		.object({ dimensions: z.number().int(), max_length: z.number().int(), pooling: Pooling, normalize: z.boolean(), output: z.string() })
		.optional(),
	files: z.array(z.object({ path: z.string(), sha256: z.string(), size: z.number().int(), url: z.string() }))
});
export type ModelView = z.infer<typeof ModelView>;

/** `POST /api/models`: a folder on the hub's own disk, or a Hugging Face repository the hub downloads and verifies. */
export const ImportModelRequest = z.union([
	z.strictObject({
		path: z.string().min(1).describe("a folder on the hub's own disk, in the Hugging Face ONNX layout"),
		id: z.string().min(1),
		task_type: TaskType.optional()
	}),
	z.strictObject({
		hf: z.string().min(1).describe('a repository on the Hugging Face hub (HF_ENDPOINT)'),
		revision: z.string().min(1).optional(),
		id: z.string().min(1).optional(),
		task_type: TaskType.optional()
	})
]);
export type ImportModelRequest = z.infer<typeof ImportModelRequest>;

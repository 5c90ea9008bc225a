/** Responses of the /v1 endpoints, in OpenAI's shapes. */
import type { ModelManifest } from '../../protocol/models';

/** A float vector as OpenAI's `encoding_format: "base64"` sends it: little-endian float32 bytes, base64. */
export function base64Vector(vector: number[]): string {
	const bytes = Buffer.alloc(vector.length * 4);
	vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
	return bytes.toString('base64');
}

export function embeddingsView(model: string, vectors: number[][], format: 'float' | 'base64', promptTokens: number) {
	return {
		object: 'list' as const,
		data: vectors.map((v, index) => ({ object: 'embedding' as const, index, embedding: format === 'base64' ? base64Vector(v) : v })),
		model,
		usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }
	};
}

/** One model as `GET /v1/models` lists it; `created` is when the hub imported it (Unix seconds). */
export function modelObject(m: ModelManifest & { createdAt: Date; source: string }) {
	return {
		id: m.id,
		object: 'model' as const,
		created: Math.floor(m.createdAt.getTime() / 1000),
		owned_by: m.source === 'demo' ? 'exostack' : 'imported'
	};
}

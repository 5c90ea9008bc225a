/**
 * Runs WebLLM (MLC) models in the volunteer's worker. Everything is loaded from the hub: the model
 * folder through /models/<id>/resolve/main/ and the model library by its sha256, with subresource
 * integrity from the manifest, so nothing comes from a third-party CDN and nothing unverified runs.
 * The adapter is checked against the model's requirements before anything is downloaded.
 */
import type { LoadedModel } from '../executor/model-loaders';
import { GenerationParams } from '../protocol/generation';
import { blobUrl, type ModelManifest } from '../protocol/models';
import { MLC_CONFIG, MLC_TENSOR_CACHE, webGpuShortfall, webLlmLibrary, webLlmRequirements } from '../protocol/web-llm';
import { readJsonFile, type ModelFileSource } from '../executor/model-files';
import type { WebGpuInfo } from '../protocol/volunteer';

const sri = (sha256: string) => `sha256-${btoa(String.fromCharCode(...(sha256.match(/../g) ?? []).map((h) => parseInt(h, 16))))}`;

export function webLlmLoader(hubUrl: string, files: ModelFileSource, adapter: () => Promise<WebGpuInfo | null>) {
	return async (model: ModelManifest): Promise<LoadedModel> => {
		const requirements = webLlmRequirements(
			await readJsonFile(files, model, MLC_CONFIG),
			await readJsonFile(files, model, MLC_TENSOR_CACHE, {})
		);
		const shortfall = webGpuShortfall(await adapter(), requirements);
		if (shortfall) throw new Error(`this volunteer cannot run WebLLM model ${model.id}: ${shortfall}`);
		const lib = webLlmLibrary(model);
		const config = model.files.find((f) => f.path === MLC_CONFIG)!;
		if (!lib) throw new Error(`WebLLM model ${model.id} has no model library (.wasm)`);
		const webllm = await import('@mlc-ai/web-llm');
		const appConfig = {
			useIndexedDBCache: true,
			model_list: [
				{
					model: new URL(`/models/${model.id}/resolve/main/`, hubUrl).href,
					model_id: model.id,
					model_lib: new URL(blobUrl(lib.sha256), hubUrl).href,
					required_features: requirements.features,
					integrity: { config: sri(config.sha256), model_lib: sri(lib.sha256), onFailure: 'error' as const }
				}
			]
		};
		const engine = await webllm.CreateMLCEngine(model.id, { appConfig });
		return {
			async run(inputs, params, ctx) {
				const p = GenerationParams.parse(params);
				const out = [];
				for (const [index, prompt] of inputs.entries()) {
					ctx.signal?.throwIfAborted();
					const chunks = await engine.chat.completions.create({
						messages: [{ role: 'user', content: prompt }],
						stream: true,
						max_tokens: p.max_tokens,
						temperature: p.temperature,
						top_p: p.top_p,
						seed: p.seed,
						stop: p.stop.length ? p.stop : undefined
					});
					let text = '';
					let finish: 'length' | 'eos' | 'stop' = 'eos';
					for await (const chunk of chunks) {
						const delta = chunk.choices[0]?.delta?.content ?? '';
						if (delta) ctx.onText?.(index, delta);
						text += delta;
						const reason = chunk.choices[0]?.finish_reason;
						if (reason)
							finish = reason === 'length' ? 'length' : reason === 'stop' && p.stop.some((s) => text.endsWith(s)) ? 'stop' : 'eos';
					}
					out.push({ text, tokens: [], finish_reason: finish });
					ctx.onProgress?.(out.length);
				}
				return out;
			},
			release: () => engine.unload()
		};
	};
}

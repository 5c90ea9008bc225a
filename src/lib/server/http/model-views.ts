import type { ModelManifest } from '../../protocol/models';
import { blobUrl } from '../../protocol/models';
import { modelCost } from '../models/model-queries';
import type { ModelView } from '../../protocol/rest/models';

/** A model as the REST API shows it: snake_case like the rest of the API, with each file's URL. */
export function modelView(m: ModelManifest & { source?: string }): ModelView {
	return {
		id: m.id,
		task_types: m.taskTypes,
		source: m.source,
		credit_per_input: modelCost(m),
		embedding: m.embedding
			? {
					dimensions: m.embedding.dimensions,
					max_length: m.embedding.maxLength,
					pooling: m.embedding.pooling,
					normalize: m.embedding.normalize,
					output: m.embedding.output
				}
			: undefined,
		files: m.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, url: blobUrl(f.sha256) }))
	};
}

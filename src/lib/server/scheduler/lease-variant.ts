import { BACKEND_CLASSES, resultClassOf, type BackendClass } from '../../protocol/volunteer';
import { variantForClass, type ModelVariant } from '../../protocol/variants';
import { isWebLlmModel } from '../../protocol/web-llm';
import type { ModelManifest } from '../../protocol/models';

/**
 * The variant a lease of this backend class runs. A WebLLM build is one variant by itself; a model
 * with no usable graph gets fp32, which its volunteer then fails to load like any broken model.
 */
export function leaseVariant(model: Pick<ModelManifest, 'id' | 'files'>, cls: BackendClass, params: Record<string, unknown>): ModelVariant {
	if (isWebLlmModel(model)) return 'fp32';
	try {
		return variantForClass(model, cls, params.variant);
	} catch {
		return 'fp32';
	}
}

/**
 * The class a lease's result is compared within: the backend class the lease was granted to
 * (tasks.backend_class) and the variant the hub chose for it, whatever the result says it ran. A
 * volunteer naming another class or variant is compared where its lease put it, and a wrong answer
 * there is invalid, not "unchecked". Read with the lease itself (current-leases.ts).
 */
export function leaseResultClass(lease: {
	backendClass: string | null;
	modelId: string;
	modelFiles: ModelManifest['files'];
	params: Record<string, unknown>;
}): string {
	const cls = BACKEND_CLASSES.find((c) => c === lease.backendClass) ?? 'native';
	return resultClassOf(cls, leaseVariant({ id: lease.modelId, files: lease.modelFiles }, cls, lease.params));
}

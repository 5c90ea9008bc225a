import { RESERVE_LEASES, type TaskLease, type TaskRequest } from '../../protocol/events';
import { PRIORITIES } from '../../protocol/jobs';
import { backendClassOf } from '../../protocol/volunteer';
import { isWebLlmModel } from '../../protocol/web-llm';
import type { ModelManifest } from '../../protocol/models';
import { beyondReach, modelsBeyondReach } from '../models/web-llm-gating';
import { modelsRefused } from '../models/owner-limits';
import type { Notifier } from '../notifier';
import type { ClaimedLease } from './claim-tasks';
import type { ClaimGate } from './claim-gate';
import { releaseLeases } from './release-leases';
import { leaseVariant } from './lease-variant';
import type { WorkDeps, WorkSession } from './work-types';
import type { ClaimRequest } from './types';
import type { LeaseBook } from './lease-book';
import type { ClaimRider } from './claim-rider';
import { spanNow } from '../observe/tracing';

/** A session's backend class: its backend, and for WebGPU whether the adapter has shader-f16. */
export function classOf(s: WorkSession) {
	return backendClassOf(s.capabilities.backend, s.capabilities.webgpu?.features ?? []);
}

/**
 * Claims up to `slots` tasks for the session and shapes them as the volunteer receives them; each lease is
 * kept in `book` as its result's checks will need it (lease-book.ts). A lane claim may carry a new job's
 * insert (`rider`), settled here by the claim's outcome.
 */
export async function leaseWork(
	deps: WorkDeps,
	notify: Notifier,
	s: WorkSession,
	{ slots, models: limits, lane }: TaskRequest,
	gate: { maxLeases: number; maxCost: number },
	claims: ClaimGate<ClaimRequest, ClaimedLease[]>,
	book: LeaseBook,
	rider?: ClaimRider
): Promise<TaskLease[]> {
	const { config } = deps;
	// Models beyond its GPU, and those its owner refuses in this request (its controls: models served, download
	// limit); read before the claim's turn (claim-gate.ts), which then holds nothing while they are read.
	const excludeModels = [...(await modelsBeyondReach(deps.db, deps.blobs, s.capabilities)), ...(await modelsRefused(deps.db, limits))];
	const start = spanNow();
	const request = {
		sessionId: s.sessionId,
		volunteerId: s.volunteerId,
		backendClass: classOf(s),
		slots,
		taskTypes: s.capabilities.taskTypes,
		excludeModels,
		leaseMs: config.leaseMs,
		tailMs: config.tailMs,
		maxHeld: gate.maxLeases + (gate.maxLeases > 0 ? RESERVE_LEASES : 0),
		maxPerVolunteer: config.leasesPerVolunteer,
		leaseMaxMs: config.leaseMaxMs,
		maxCost: gate.maxCost,
		network: s.network,
		distinctNetworks: config.policy.distinctNetworks,
		leasesPerNetwork: config.trust.leasesPerNetwork,
		spotCheckRate: config.trust.spotCheckRate,
		lane,
		rider: lane ? rider : undefined
	};
	const claimed = await claims.claim(request, lane === 'interactive').then(
		(leases) => {
			request.rider?.rode();
			return leases;
		},
		(err: unknown) => {
			request.rider?.failed(err);
			throw err;
		}
	);
	deps.observe.tasksLeased(
		s.volunteerId,
		claimed.map((t) => ({ jobId: t.jobId, taskId: t.id, leaseToken: t.leaseToken })),
		{ start, end: spanNow() }
	);
	const models = await deps.models.get([...new Set(claimed.map((t) => t.modelId))]);
	for (const jobId of new Set(claimed.map((t) => t.jobId))) notify.jobChanged(jobId);
	const runnable = await giveBackUnreachable(deps, notify, s, claimed, models);
	for (const t of runnable) {
		const model = models.get(t.modelId)!;
		// A resumed task's result carries its checkpoint's outputs too, which only a read of the lease has.
		if (t.checkpointed === 0)
			book.keep({
				taskId: t.id,
				leaseToken: t.leaseToken,
				volunteerId: s.volunteerId,
				jobId: t.jobId,
				seq: t.seq,
				firstInput: t.firstInput,
				priority: t.priority,
				taskType: t.taskType,
				inputs: t.inputs.length,
				embedding: model.embedding ?? null,
				cost: t.cost,
				replication: t.replication,
				params: t.params,
				recheck: t.recheck,
				spotCheck: t.spotCheck,
				checkpoint: null,
				backendClass: classOf(s),
				modelId: model.id,
				modelFiles: model.files
			});
	}
	return runnable.map((t) => ({
		taskId: t.id,
		leaseToken: t.leaseToken,
		leaseExpiresAt: t.leaseExpiresAt.getTime(),
		jobId: t.jobId,
		taskType: t.taskType,
		model: models.get(t.modelId)!,
		params: t.params,
		variant: leaseVariant(models.get(t.modelId)!, classOf(s), t.params),
		inputs: t.inputs.slice(t.checkpointed),
		resumeAt: t.checkpointed,
		...(t.priority >= PRIORITIES.interactive && { lane: 'interactive' as const })
	}));
}

/**
 * The exclusion list read before the claim can be a few seconds old (web-llm-gating.ts): a WebLLM model
 * imported by another hub process since is checked here and its leases given back at once.
 */
async function giveBackUnreachable<T extends { id: number; modelId: string; leaseToken: string }>(
	deps: WorkDeps,
	notify: Notifier,
	s: WorkSession,
	claimed: T[],
	models: Map<string, ModelManifest>
): Promise<T[]> {
	const keep: T[] = [];
	const unreachable: T[] = [];
	for (const t of claimed) {
		const model = models.get(t.modelId)!;
		(isWebLlmModel(model) && (await beyondReach(deps.blobs, model, s.capabilities)) ? unreachable : keep).push(t);
	}
	if (unreachable.length === 0) return keep;
	await releaseLeases(
		deps.db,
		unreachable.map((t) => ({ taskId: t.id, leaseToken: t.leaseToken, volunteerId: s.volunteerId }))
	);
	notify.workAvailable(unreachable.length);
	return keep;
}

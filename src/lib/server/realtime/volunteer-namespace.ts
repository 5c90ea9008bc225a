import type { Hub } from '../hub';
import {
	RESERVE_LEASES,
	StatusPayload,
	TaskCheckpoint,
	TaskFailure,
	TaskProgress,
	TaskRelease,
	TaskRequest,
	TaskResult,
	TaskText,
	type JobText,
	type TaskLease
} from '../../protocol/events';
import { backendClassOf, resultClassOf } from '../../protocol/volunteer';
import type { Settlement } from '../scheduler/validate-chunk';
import { claimTasks } from '../scheduler/claim-tasks';
import { completeTask } from '../scheduler/complete-task';
import { failTask } from '../scheduler/fail-task';
import { finishJobIfDone } from '../scheduler/finish-job';
import { releaseLease, releaseSessionLeases } from '../scheduler/release-leases';
import { renewLease } from '../scheduler/renew-lease';
import { checkpointTask } from '../scheduler/checkpoint-task';
import { leaseResultClass, leaseVariant } from '../scheduler/lease-variant';
import { leaseGate } from '../../readiness/lease-gate';
import { closeSession, updateSession } from '../volunteers/sessions';
import { SessionCounters } from '../volunteers/session-counters';
import { handle, refuse } from './handle';
import { metrics } from '../metrics/registry';
import { taskOffsets } from '../scheduler/task-offsets';
import { beyondReach, modelsBeyondReach } from '../models/web-llm-gating';
import { modelsRefused } from '../models/owner-limits';
import { isWebLlmModel } from '../../protocol/web-llm';
import type { ModelManifest } from '../../protocol/models';
import type { TextStreams } from './text-streams';
import type { VolunteerData, VolunteerNamespace, VolunteerSocket } from './volunteer-data';
import type { EventBudget } from './event-budget';

export type { VolunteerNamespace } from './volunteer-data';
import { maxCompletionChars } from '../scheduler/check-outputs';

/** Live text: which leases may stream, and where accepted text goes (the job's dashboard room). */
export interface TextRelayOptions {
	streams: TextStreams;
	publish(text: JobText): void;
}

/**
 * Wires each volunteer connection, authenticated in the handshake (volunteer-handshake.ts): leasing,
 * results and status, all within the socket's event budget, validated and fenced. `drain()` waits for
 * disconnected sessions' leases to be given back (for a clean shutdown).
 */
export function serveVolunteers(hub: Hub, nsp: VolunteerNamespace, text: TextRelayOptions, budget: EventBudget) {
	const leaving = new Set<Promise<void>>();
	const counters = new SessionCounters(hub.db);
	nsp.on('connection', (socket) => {
		socket.use(budget.middleware(socket));
		metrics.volunteerSockets.inc();
		socket.on('disconnect', () => metrics.volunteerSockets.dec());
		const session = () => (socket.data.volunteerId ? (socket.data as VolunteerData) : null);
		/** Leases of this connection that may stream text; forgotten when they end. */
		const streaming = new Map<number, string>();
		const endStream = (taskId: number, leaseToken: string) => {
			text.streams.untrack(taskId, leaseToken);
			streaming.delete(taskId);
		};
		// Every connected socket was authenticated in the handshake; this guards data that was somehow never filled.
		const notHello = () => refuse('this socket has no session', 'unauthorized');

		socket.on(
			'status',
			handle(StatusPayload, async (p) => {
				const s = session();
				if (!s) return notHello();
				const gateOpen = leaseGate(p.mode, p.readiness, hub.config.readinessThreshold, s.gateOpen).open;
				Object.assign(socket.data, p, { gateOpen });
				await updateSession(hub.db, socket.id, { ...p, readyForAi: gateOpen });
				return { ok: true };
			})
		);

		socket.on(
			'task:request',
			handle(TaskRequest, async (p) => {
				const s = session();
				if (!s) return notHello();
				// The hub enforces readiness itself (lease-gate.ts): its threshold, the power tier's lease cap and the band's task weight.
				const gate = leaseGate(s.mode, s.readiness, hub.config.readinessThreshold, s.gateOpen, s.capabilities.deviceMemory);
				if (!gate.open) return { ok: true, tasks: [] };
				const tasks = await lease(hub, s, p, gate);
				const generating = tasks.filter((t) => t.taskType === 'text_generation');
				const offsets = await taskOffsets(
					hub.db,
					generating.map((t) => t.taskId)
				);
				for (const t of generating) {
					text.streams.track(t.taskId, {
						leaseToken: t.leaseToken,
						jobId: t.jobId,
						firstInput: (offsets.get(t.taskId) ?? 0) + t.resumeAt,
						inputs: t.inputs.length,
						maxChars: maxCompletionChars(t.params)
					});
					streaming.set(t.taskId, t.leaseToken);
				}
				return { ok: true, tasks };
			})
		);

		socket.on(
			'task:progress',
			handle(TaskProgress, async (p) => {
				const s = session();
				if (!s) return notHello();
				const until = await renewLease(hub.db, { ...p, volunteerId: s.volunteerId }, hub.config.leaseMs);
				return until ? { ok: true, leaseExpiresAt: until.getTime() } : refuse('this lease is no longer yours', 'stale_lease');
			})
		);

		socket.on(
			'task:result',
			handle(TaskResult, async (p) => {
				const s = session();
				if (!s) return notHello();
				const reply = await accept(hub, counters, s, p);
				endStream(p.taskId, p.leaseToken);
				return reply;
			})
		);

		// Fire and forget (no acknowledgement, so streaming never waits): refused text is dropped and changes nothing.
		socket.on('task:text', (payload: unknown) => {
			const parsed = TaskText.safeParse(payload);
			if (!parsed.success || !session()) return;
			const accepted = text.streams.accept(parsed.data);
			if ('event' in accepted) text.publish(accepted.event);
		});

		socket.on(
			'task:fail',
			handle(TaskFailure, async (p) => {
				const s = session();
				if (!s) return notHello();
				endStream(p.taskId, p.leaseToken);
				const row = await failTask(hub.db, { ...p, volunteerId: s.volunteerId }, hub.config.policy);
				if (!row) return refuse('this lease is no longer yours', 'stale_lease');
				hub.observe.taskFailed(s.volunteerId, { jobId: row.jobId, taskId: p.taskId, leaseToken: p.leaseToken }, row.state, p.error);
				await announce(hub, row.jobId, row.settlement);
				return { ok: true };
			})
		);

		socket.on(
			'task:release',
			handle(TaskRelease, async (p) => {
				const s = session();
				if (!s) return notHello();
				endStream(p.taskId, p.leaseToken);
				if (!(await releaseLease(hub.db, p.taskId, p.leaseToken, s.volunteerId)))
					return refuse('this lease is no longer yours', 'stale_lease');
				hub.notify.workAvailable();
				return { ok: true };
			})
		);

		socket.on(
			'task:checkpoint',
			handle(TaskCheckpoint, async (p) => {
				const s = session();
				if (!s) return notHello();
				endStream(p.taskId, p.leaseToken);
				const outcome = await checkpointTask(hub.db, { ...p, volunteerId: s.volunteerId });
				if ('error' in outcome) return refuse(outcome.error, outcome.code);
				hub.notify.workAvailable();
				return { ok: true, kept: outcome.kept };
			})
		);

		socket.on('disconnect', () => {
			for (const [taskId, token] of streaming) endStream(taskId, token);
			const done = goodbye(hub, counters, socket).finally(() => leaving.delete(done));
			leaving.add(done);
		});
	});
	return { drain: () => Promise.allSettled([...leaving, counters.flush()]).then(() => {}) };
}

async function lease(
	hub: Hub,
	s: VolunteerData,
	{ slots, models: limits, lane }: TaskRequest,
	gate: { maxLeases: number; maxCost: number }
): Promise<TaskLease[]> {
	const start = Date.now();
	const claimed = await claimTasks(hub.db, {
		sessionId: s.sessionId,
		volunteerId: s.volunteerId,
		backendClass: classOf(s),
		slots,
		taskTypes: s.capabilities.taskTypes,
		// Models beyond its GPU, and those its owner refuses in this request (its controls: models served, download limit).
		excludeModels: [...(await modelsBeyondReach(hub.db, hub.blobs, s.capabilities)), ...(await modelsRefused(hub.db, limits))],
		leaseMs: hub.config.leaseMs,
		tailMs: hub.config.tailMs,
		maxHeld: gate.maxLeases + (gate.maxLeases > 0 ? RESERVE_LEASES : 0),
		maxPerVolunteer: hub.config.leasesPerVolunteer,
		leaseMaxMs: hub.config.leaseMaxMs,
		maxCost: gate.maxCost,
		network: s.network,
		distinctNetworks: hub.config.policy.distinctNetworks,
		leasesPerNetwork: hub.config.trust.leasesPerNetwork,
		spotCheckRate: hub.config.trust.spotCheckRate,
		lane
	});
	hub.observe.tasksLeased(
		s.volunteerId,
		claimed.map((t) => ({ jobId: t.jobId, taskId: t.id, leaseToken: t.leaseToken })),
		{ start, end: Date.now() }
	);
	const models = await hub.models.get([...new Set(claimed.map((t) => t.modelId))]);
	for (const jobId of new Set(claimed.map((t) => t.jobId))) hub.notify.jobChanged(jobId);
	const runnable = await giveBackUnreachable(hub, s, claimed, models);
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
		resumeAt: t.checkpointed
	}));
}

/**
 * The exclusion list read before the claim can be a few seconds old (web-llm-gating.ts): a WebLLM model
 * imported by another hub process since is checked here and its leases given back at once.
 */
async function giveBackUnreachable<T extends { id: number; modelId: string; leaseToken: string }>(
	hub: Hub,
	s: VolunteerData,
	claimed: T[],
	models: Map<string, ModelManifest>
): Promise<T[]> {
	const keep: T[] = [];
	for (const t of claimed) {
		const model = models.get(t.modelId)!;
		if (isWebLlmModel(model) && (await beyondReach(hub.blobs, model, s.capabilities)))
			await releaseLease(hub.db, t.id, t.leaseToken, s.volunteerId);
		else keep.push(t);
	}
	if (keep.length < claimed.length) hub.notify.workAvailable();
	return keep;
}

async function accept(hub: Hub, counters: SessionCounters, s: VolunteerData, p: TaskResult) {
	const start = Date.now();
	const outcome = await completeTask(
		hub.db,
		// The lease fixed class and variant; what the result says it ran is not taken (lease-variant.ts).
		{ ...p, volunteerId: s.volunteerId, resultClass: (await leaseResultClass(hub.db, p.taskId)) ?? resultClassOf(classOf(s), p.variant) },
		hub.config.policy
	);
	hub.observe.resultHandled(s.volunteerId, { taskId: p.taskId, leaseToken: p.leaseToken }, outcome, { start, end: Date.now() });
	if (!outcome.stored) {
		if (outcome.reason === 'stale_lease') return refuse('this lease is no longer yours; the result was not accepted', 'stale_lease');
		await announce(hub, outcome.jobId, outcome.settlement);
		return refuse(`output rejected: ${outcome.error}`, 'rejected_output');
	}
	// The result is committed: acknowledge now; what follows is bookkeeping (the sweeper is its backstop).
	counters.count(s.sessionId, outcome.inputs / Math.max(p.durationMs / 1000, 1e-3));
	void announce(hub, outcome.jobId, outcome.settlement).catch((err) =>
		hub.observe.log.error({ err, job_id: outcome.jobId }, 'after a result')
	);
	return { ok: true } as const;
}

/** After a chunk was settled (committed): finish its job if that was the last, and tell whoever needs to know. */
async function announce(hub: Hub, jobId: string, settlement: Settlement | null) {
	if (settlement?.outcome === 'accepted' && settlement.cancelledLeases.length > 0) hub.notify.tasksCancelled(settlement.cancelledLeases);
	if (settlement?.outcome === 'spawned') hub.notify.workAvailable();
	const finished = await finishJobIfDone(hub.db, jobId);
	if (finished) hub.observe.jobFinished(jobId, finished);
	hub.notify.jobChanged(jobId, finished !== null);
}

/** A dropped connection gives its leases back at once, so another volunteer picks them up now, not at expiry. */
async function goodbye(hub: Hub, counters: SessionCounters, socket: VolunteerSocket) {
	try {
		await counters.flush();
		const released = await releaseSessionLeases(hub.db, socket.id);
		await closeSession(hub.db, socket.id);
		if (released.length > 0) hub.notify.workAvailable();
	} catch (err) {
		// The leases still end by expiry; the sweeper is the backstop.
		hub.observe.log.error({ err, session_id: socket.id }, 'could not release a disconnected session, its leases will expire');
	}
}

/** A session's backend class: its backend, and for WebGPU whether the adapter has shader-f16. */
function classOf(s: VolunteerData) {
	return backendClassOf(s.capabilities.backend, s.capabilities.webgpu?.features ?? []);
}

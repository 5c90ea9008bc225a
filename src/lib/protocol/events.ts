/**
 * The one Socket.IO protocol between the hub, browser volunteers, the headless volunteer and dashboards.
 * Payload types are derived from the schemas, and the hub parses every inbound payload with them:
 * types are not validation.
 */
import { z } from 'zod';
import type { JobUpdate } from './jobs';
import type { ClusterSummary, Leaderboard, NodesDelta, SubscribeLeaderboard } from './dashboard';
import { ModelManifest, TaskType } from './models';
import { SHA256 } from './ids';
import { Backend, Capabilities, Readiness, VolunteerMode } from './volunteer';
import { ModelVariant } from './variants';
import { ProofOfWorkChallenge, ProofOfWorkSolution } from './proof-of-work';

export const VOLUNTEER_NAMESPACE = '/volunteer';
export const DASHBOARD_NAMESPACE = '/dashboard';

/** Every acknowledgement is either a success with data or a refusal that says why. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: string; code?: AckErrorCode; retryAfterMs?: number };
/**
 * Why a request was refused. `rate-limited` and `unavailable` (the hub cannot reach its database just now)
 * are worth sending again after `retryAfterMs`; the rest are final.
 */
export type AckErrorCode = 'invalid' | 'unauthorized' | 'stale_lease' | 'rejected_output' | 'internal' | 'rate-limited' | 'unavailable';

const id = z.number().int().positive();
const leaseToken = z.uuid();

/**
 * What a volunteer presents in the Socket.IO handshake (`auth`): the hub authenticates there, so a
 * socket that is connected at all has a session, and handlers never ask whether it introduced itself.
 */
export const VolunteerAuth = z.object({
	/** The signed identity the hub issued earlier; absent on a first visit. */
	identity: z.string().max(200).nullable(),
	capabilities: Capabilities,
	mode: VolunteerMode,
	readiness: Readiness,
	/** A solved proof-of-work challenge, when the hub asked for one before issuing an identity. */
	pow: ProofOfWorkSolution.optional()
});
export type VolunteerAuth = z.infer<typeof VolunteerAuth>;

/** Why the hub refused a handshake: `connect_error`'s `err.data`. */
export const HandshakeRefusal = z.object({
	code: z.enum(['invalid', 'rate-limited', 'pow-required', 'too-many-sockets', 'internal']),
	/** When asking again may succeed (rate-limited, too-many-sockets). */
	retryAfterMs: z.number().int().nonnegative().optional(),
	/** The challenge to solve before an identity is issued (pow-required, or a bad solution). */
	pow: ProofOfWorkChallenge.optional()
});
export type HandshakeRefusal = z.infer<typeof HandshakeRefusal>;

/** Sent by the hub once a handshake was accepted: who this volunteer is (a new identity is issued here). */
export interface Welcome {
	volunteerId: string;
	identity: string;
	sessionId: string;
	/** What this volunteer has done for the hub, all sessions together: it comes back with the identity. */
	credit: VolunteerCredit;
	/**
	 * How long a new or renewed lease lasts on this hub (EXOSTACK_LEASE_SECONDS): one not renewed within it
	 * expires. A volunteer renews well inside it, so a hub configured for short leases is not lost to a
	 * renewal cadence fixed for long ones (work-loop.ts).
	 */
	leaseMs: number;
}

export interface VolunteerCredit {
	tasksDone: number;
	inputsDone: number;
}

export const StatusPayload = z.object({ mode: VolunteerMode, readiness: Readiness });
export type StatusPayload = z.infer<typeof StatusPayload>;

/**
 * Leases a volunteer may hold beyond the tasks it runs at once (its power tier's cap): one, asked for when
 * a running task starts its last slice and started the moment that task ends, so a volunteer never sits
 * idle through a task request's round trip. Asking no earlier keeps the wait short (slices are small, to
 * stop within a second), so a reserved task is not held back from an idle volunteer for long at the end
 * of a job. The hub's claim allows for it.
 */
export const RESERVE_LEASES = 1;

/**
 * The owner's limits on which models this volunteer takes (its controls on the volunteer page), per request
 * so the hub stores nothing for them: only the models named in `only`, and none whose download would pass
 * `maxDownloadBytes` (0 on a metered connection: cached models only). Files listed in `cached` (sha256 of
 * the model files in its cache) cost nothing to download. A volunteer that lies here only narrows its own work.
 */
export const ModelLimits = z.object({
	only: z.array(z.string().min(1).max(200)).max(100).optional(),
	maxDownloadBytes: z.number().int().min(0).max(1e13).optional(),
	cached: z.array(z.string().regex(SHA256)).max(512).optional()
});
export type ModelLimits = z.infer<typeof ModelLimits>;

/** `lane: 'interactive'`: a volunteer nudged for an interactive request asks for it past its reserve (interactive-lane.ts). */
export const TaskRequest = z.object({
	slots: z.number().int().min(1).max(16),
	models: ModelLimits.optional(),
	lane: z.literal('interactive').optional()
});
export type TaskRequest = z.infer<typeof TaskRequest>;

/** A volunteer's answer to `task:offer`: the offered tasks it took (at most what one offer carries). */
export const OfferAnswer = z.object({ taken: z.array(z.number().int().nonnegative()).max(16) });
export type OfferAnswer = z.infer<typeof OfferAnswer>;

/** A leased task as the volunteer receives it: everything needed to run it, and the token to hand it back. */
export interface TaskLease {
	taskId: number;
	leaseToken: string;
	/** Epoch milliseconds; progress before then renews it. */
	leaseExpiresAt: number;
	jobId: string;
	taskType: TaskType;
	model: ModelManifest;
	params: Record<string, unknown>;
	/** The model variant to run, chosen by the hub for the session's backend class: results are compared within it. */
	variant: ModelVariant;
	/** The inputs still to compute: after `resumeAt` inputs a volunteer that yielded already finished. */
	inputs: string[];
	/** Inputs of the task kept from an earlier lease (a checkpoint); the result covers only `inputs`. */
	resumeAt: number;
	/**
	 * An interactive request's task (interactive-lane.ts), whose client waits: the volunteer starts it at once
	 * in the lane's slot, however it came (an offer, a lane request, or an ordinary request for its reserve).
	 */
	lane?: 'interactive';
}

/** `done` is bounded by what one result may carry: past PostgreSQL's integer range it made the renewal fail as `internal`. */
export const TaskProgress = z.object({ taskId: id, leaseToken, done: z.number().int().nonnegative().max(10_000) });
export type TaskProgress = z.infer<typeof TaskProgress>;

/** One output per input, in input order; the hub checks each against the task type's shape before accepting. */
export const TaskResult = z.object({
	taskId: id,
	leaseToken,
	backend: Backend,
	/** The model variant that computed the outputs (fp32 when absent, as before variants existed). */
	variant: ModelVariant.default('fp32'),
	durationMs: z.number().nonnegative().max(86_400_000),
	outputs: z.array(z.unknown()).max(10_000)
});
export type TaskResult = z.infer<typeof TaskResult>;

/** Most results in one `task:results` message; each costs one event of the socket's budget. */
export const MAX_RESULTS_PER_MESSAGE = 16;
/** Most outputs in one `task:results` message, all results together: as many as one result may carry. */
export const MAX_OUTPUTS_PER_MESSAGE = 10_000;

/** Several results that finished together, in one message; each is fenced and acknowledged on its own. */
export const TaskResults = z
	.object({ results: z.array(TaskResult).min(1).max(MAX_RESULTS_PER_MESSAGE) })
	.refine((m) => m.results.reduce((n, r) => n + r.outputs.length, 0) <= MAX_OUTPUTS_PER_MESSAGE, {
		message: `at most ${MAX_OUTPUTS_PER_MESSAGE} outputs in one message`
	});
export type TaskResults = z.infer<typeof TaskResults>;

export const TaskFailure = z.object({ taskId: id, leaseToken, error: z.string().max(2000) });
export type TaskFailure = z.infer<typeof TaskFailure>;

export const TaskRelease = z.object({ taskId: id, leaseToken });
export type TaskRelease = z.infer<typeof TaskRelease>;

/**
 * A yield mid-task: the outputs of the lease's first inputs (fewer than it was given), kept by the hub,
 * and the lease given back at once; the next lease computes only the rest.
 */
export const TaskCheckpoint = z.object({ taskId: id, leaseToken, outputs: z.array(z.unknown()).max(10_000) });
export type TaskCheckpoint = z.infer<typeof TaskCheckpoint>;

/**
 * Generated text as it is made, before the task's result: `text` continues input `index` of the task
 * at character `offset` of its completion. Shown live on job pages; the accepted result is what counts.
 */
export const TaskText = z.object({
	taskId: id,
	leaseToken,
	index: z.number().int().nonnegative().max(10_000),
	offset: z.number().int().nonnegative().max(1_000_000),
	text: z.string().min(1).max(20_000)
});
export type TaskText = z.infer<typeof TaskText>;

/**
 * Live text for a job page: input `index` of the job (in submission order) continues at `offset`.
 * `stream` tells apart two volunteers computing the same input (a reissued or replicated task).
 */
export interface JobText {
	jobId: string;
	index: number;
	stream: string;
	offset: number;
	text: string;
}

export interface VolunteerClientToServer {
	status: (payload: StatusPayload, ack: (reply: Ack) => void) => void;
	'task:request': (payload: TaskRequest, ack: (reply: Ack<{ tasks: TaskLease[] }>) => void) => void;
	'task:progress': (payload: TaskProgress, ack: (reply: Ack<{ leaseExpiresAt: number }>) => void) => void;
	'task:result': (payload: TaskResult, ack: (reply: Ack) => void) => void;
	/** Several results at once: `results[i]` acknowledges `payload.results[i]`. */
	'task:results': (payload: TaskResults, ack: (reply: Ack<{ results: Ack[] }>) => void) => void;
	'task:fail': (payload: TaskFailure, ack: (reply: Ack) => void) => void;
	'task:release': (payload: TaskRelease, ack: (reply: Ack) => void) => void;
	'task:checkpoint': (payload: TaskCheckpoint, ack: (reply: Ack<{ kept: number }>) => void) => void;
	/** Fire and forget: no acknowledgement, so streaming never waits on the hub. */
	'task:text': (payload: TaskText) => void;
}

export interface WorkNudge {
	lane: 'interactive';
}

export interface VolunteerServerToClient {
	/** The handshake was accepted: the first event on every connection. */
	welcome: (welcome: Welcome) => void;
	/**
	 * New work was queued: idle volunteers should ask again now rather than at their next poll. With
	 * `lane`, an interactive request is waiting: a busy volunteer asks for it on that lane too.
	 */
	'work:available': (nudge?: WorkNudge) => void;
	/** These tasks were cancelled (their job was): stop computing them. */
	'task:cancelled': (payload: { taskIds: number[] }) => void;
	/**
	 * Interactive tasks the hub leased to this volunteer unasked, by the claim its own request on the lane
	 * would have made, for a request whose client waits: run them at once (in the lane's slot, one past
	 * the cap), and answer with those taken; the hub releases the others and offers them elsewhere.
	 */
	'task:offer': (payload: { tasks: TaskLease[] }, ack: (reply: OfferAnswer) => void) => void;
}

export const WatchJob = z.object({ jobId: z.uuid() });

export interface DashboardClientToServer {
	'job:watch': (payload: z.infer<typeof WatchJob>, ack: (reply: Ack) => void) => void;
	/** The /dashboard page: every node at once, then node changes and cluster summaries a few times a second. */
	'overview:watch': (payload: object, ack: (reply: Ack) => void) => void;
	/** Leaderboard and volunteer pages: one window's ranking now, and again whenever credit moves. */
	'leaderboard:watch': (payload: z.infer<typeof SubscribeLeaderboard>, ack: (reply: Ack) => void) => void;
}

export interface DashboardServerToClient {
	'job:update': (update: JobUpdate) => void;
	'job:text': (text: JobText) => void;
	'nodes:delta': (delta: NodesDelta) => void;
	'cluster:summary': (summary: ClusterSummary) => void;
	'leaderboard:update': (board: Leaderboard) => void;
}

/** Events hub processes send each other through the Socket.IO adapter. */
export interface InterServerEvents {
	/** Live text a volunteer streamed to one hub process, for in-process watchers on the others (an OpenAI-compatible stream). */
	'job:text': (text: JobText) => void;
	/**
	 * New work of this many tasks (null: an unknown number) of this task type (null: any) was announced on another hub
	 * process: nudge about that many waiting volunteers here that run it.
	 */
	'work:available': (tasks: number | null, taskType: TaskType | null) => void;
	/** Tasks another hub process cancelled and does not hold the leases of: the process whose connection holds one tells it. */
	'task:cancelled': (taskIds: number[]) => void;
	/** Jobs a dashboard on another hub process watches: their progress is read and broadcast here too (job-watchers.ts). */
	'job:watched': (jobIds: string[]) => void;
}

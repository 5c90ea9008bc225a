/**
 * The Socket.IO protocol, pinned. Hub, browser volunteer, headless volunteer and dashboards all type
 * their sockets with these maps, so a change here changes every end at once; this file makes that change
 * deliberate: renaming an event, changing a payload or an acknowledgement fails `npm test` until the
 * pinned shape below is changed with it. Checked by the compiler (vitest's typecheck), never run.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { Namespace } from 'socket.io';
import type {
	Ack,
	AckErrorCode,
	DashboardClientToServer,
	DashboardServerToClient,
	HandshakeRefusal,
	InterServerEvents,
	JobText,
	StatusPayload,
	TaskCheckpoint,
	TaskFailure,
	TaskLease,
	TaskProgress,
	TaskRelease,
	TaskRequest,
	TaskResult,
	TaskResults,
	TaskText,
	VolunteerAuth,
	VolunteerClientToServer,
	VolunteerCredit,
	VolunteerServerToClient,
	Welcome
} from './events';
import type { ProofOfWorkChallenge, ProofOfWorkSolution } from './proof-of-work';
import type { ClusterSummary, Leaderboard, NodesDelta, SubscribeLeaderboard } from './dashboard';
import type { JobUpdate } from './jobs';
import type { ModelManifest, TaskType } from './models';
import type { Backend, Capabilities, Readiness, VolunteerMode } from './volunteer';
import type { ModelVariant } from './variants';
import type { z } from 'zod';

describe('the volunteer protocol', () => {
	it('has these events from volunteer to hub, each acknowledged with a refusal or its reply (text is not acknowledged)', () => {
		expectTypeOf<VolunteerClientToServer>().toEqualTypeOf<{
			status: (payload: StatusPayload, ack: (reply: Ack) => void) => void;
			'task:request': (payload: TaskRequest, ack: (reply: Ack<{ tasks: TaskLease[] }>) => void) => void;
			'task:progress': (payload: TaskProgress, ack: (reply: Ack<{ leaseExpiresAt: number }>) => void) => void;
			'task:result': (payload: TaskResult, ack: (reply: Ack) => void) => void;
			'task:results': (payload: TaskResults, ack: (reply: Ack<{ results: Ack[] }>) => void) => void;
			'task:fail': (payload: TaskFailure, ack: (reply: Ack) => void) => void;
			'task:release': (payload: TaskRelease, ack: (reply: Ack) => void) => void;
			'task:checkpoint': (payload: TaskCheckpoint, ack: (reply: Ack<{ kept: number }>) => void) => void;
			'task:text': (payload: TaskText) => void;
		}>();
	});

	it('has these events from hub to volunteer', () => {
		expectTypeOf<VolunteerServerToClient>().toEqualTypeOf<{
			welcome: (welcome: Welcome) => void;
			'work:available': (nudge?: { lane: 'interactive' }) => void;
			'task:cancelled': (payload: { taskIds: number[] }) => void;
			'task:offer': (payload: { tasks: TaskLease[] }, ack: (reply: { taken: number[] }) => void) => void;
		}>();
	});

	it('carries these payloads from the volunteer', () => {
		expectTypeOf<VolunteerAuth>().toEqualTypeOf<{
			identity: string | null;
			capabilities: Capabilities;
			mode: VolunteerMode;
			readiness: Readiness;
			pow?: ProofOfWorkSolution;
		}>();
		expectTypeOf<HandshakeRefusal>().toEqualTypeOf<{
			code: 'invalid' | 'rate-limited' | 'pow-required' | 'too-many-sockets' | 'internal';
			retryAfterMs?: number;
			pow?: ProofOfWorkChallenge;
		}>();
		expectTypeOf<StatusPayload>().toEqualTypeOf<{ mode: VolunteerMode; readiness: Readiness }>();
		expectTypeOf<TaskRequest>().toEqualTypeOf<{
			slots: number;
			models?: { only?: string[] | undefined; maxDownloadBytes?: number | undefined; cached?: string[] | undefined } | undefined;
			lane?: 'interactive' | undefined;
		}>();
		expectTypeOf<TaskProgress>().toEqualTypeOf<{ taskId: number; leaseToken: string; done: number }>();
		expectTypeOf<TaskResult>().toEqualTypeOf<{
			taskId: number;
			leaseToken: string;
			backend: Backend;
			variant: ModelVariant;
			durationMs: number;
			outputs: unknown[];
		}>();
		expectTypeOf<TaskFailure>().toEqualTypeOf<{ taskId: number; leaseToken: string; error: string }>();
		expectTypeOf<TaskRelease>().toEqualTypeOf<{ taskId: number; leaseToken: string }>();
		expectTypeOf<TaskCheckpoint>().toEqualTypeOf<{ taskId: number; leaseToken: string; outputs: unknown[] }>();
		expectTypeOf<TaskText>().toEqualTypeOf<{ taskId: number; leaseToken: string; index: number; offset: number; text: string }>();
	});

	it('answers with these replies', () => {
		expectTypeOf<Ack<{ kept: number }>>().toEqualTypeOf<
			({ ok: true } & { kept: number }) | { ok: false; error: string; code?: AckErrorCode; retryAfterMs?: number }
		>();
		expectTypeOf<AckErrorCode>().toEqualTypeOf<
			'invalid' | 'unauthorized' | 'stale_lease' | 'rejected_output' | 'internal' | 'rate-limited' | 'unavailable'
		>();
		expectTypeOf<Welcome>().toEqualTypeOf<{
			volunteerId: string;
			identity: string;
			sessionId: string;
			credit: VolunteerCredit;
			leaseMs: number;
		}>();
		expectTypeOf<VolunteerCredit>().toEqualTypeOf<{ tasksDone: number; inputsDone: number }>();
		expectTypeOf<TaskLease>().toEqualTypeOf<{
			taskId: number;
			leaseToken: string;
			leaseExpiresAt: number;
			jobId: string;
			taskType: TaskType;
			model: ModelManifest;
			params: Record<string, unknown>;
			variant: ModelVariant;
			inputs: string[];
			resumeAt: number;
			lane?: 'interactive';
		}>();
	});
});

describe('the dashboard protocol', () => {
	it('has these events from page to hub, each acknowledged', () => {
		expectTypeOf<DashboardClientToServer>().toEqualTypeOf<{
			'job:watch': (payload: { jobId: string }, ack: (reply: Ack) => void) => void;
			'overview:watch': (payload: object, ack: (reply: Ack) => void) => void;
			'leaderboard:watch': (payload: z.infer<typeof SubscribeLeaderboard>, ack: (reply: Ack) => void) => void;
		}>();
	});

	it('has these events from hub to page', () => {
		expectTypeOf<DashboardServerToClient>().toEqualTypeOf<{
			'job:update': (update: JobUpdate) => void;
			'job:text': (text: JobText) => void;
			'nodes:delta': (delta: NodesDelta) => void;
			'cluster:summary': (summary: ClusterSummary) => void;
			'leaderboard:update': (board: Leaderboard) => void;
		}>();
		expectTypeOf<JobText>().toEqualTypeOf<{ jobId: string; index: number; stream: string; offset: number; text: string }>();
	});
});

describe('typed sockets', () => {
	it('let a volunteer send only the protocol’s events and payloads, and type the replies', () => {
		const volunteer = {} as Socket<VolunteerServerToClient, VolunteerClientToServer>;
		expectTypeOf(volunteer.emitWithAck('task:request', { slots: 1 })).resolves.toEqualTypeOf<Ack<{ tasks: TaskLease[] }>>();
		// @ts-expect-error an event the hub does not serve
		volunteer.emit('task:steal', { slots: 1 });
		// @ts-expect-error slots is a number
		volunteer.emit('task:request', { slots: '1' }, () => {});
		// @ts-expect-error the hub sends work:available; a volunteer does not
		volunteer.emit('work:available');
		volunteer.on('task:cancelled', ({ taskIds }) => expectTypeOf(taskIds).toEqualTypeOf<number[]>());
	});

	it('let the hub receive the volunteer’s payloads and send only its own events', () => {
		const hub = {} as Namespace<VolunteerClientToServer, VolunteerServerToClient, InterServerEvents>;
		hub.on('connection', (socket) => {
			socket.on('task:checkpoint', (payload, ack) => {
				expectTypeOf(payload).toEqualTypeOf<TaskCheckpoint>();
				expectTypeOf(ack).parameter(0).toEqualTypeOf<Ack<{ kept: number }>>();
			});
			// @ts-expect-error a volunteer's event, not the hub's
			socket.emit('task:request', { slots: 1 });
		});
		hub.emit('task:cancelled', { taskIds: [1] });
	});

	it('let a dashboard page watch and hear only the dashboard protocol', () => {
		const page = {} as Socket<DashboardServerToClient, DashboardClientToServer>;
		page.on('job:text', (text) => expectTypeOf(text).toEqualTypeOf<JobText>());
		// @ts-expect-error pages do not lease tasks
		page.emit('task:request', { slots: 1 }, () => {});
		expectTypeOf(page.emitWithAck('job:watch', { jobId: 'id' })).resolves.toEqualTypeOf<Ack>();
	});
});

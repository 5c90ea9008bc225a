import {
	StatusPayload,
	TaskCheckpoint,
	TaskFailure,
	TaskProgress,
	TaskRelease,
	TaskRequest,
	TaskResult,
	TaskResults,
	TaskText,
	type JobText,
	type ModelLimits,
	OfferAnswer,
	type TaskLease
} from '../../protocol/events';
import type { VolunteerWork } from '../scheduler/volunteer-work';
import type { WorkSession } from '../scheduler/work-types';
import { maxCompletionChars } from '../scheduler/check-outputs';
import { handle, refuse } from './handle';
import { metrics } from '../metrics/registry';
import type { TextStreams } from './text-streams';
import type { VolunteerData, VolunteerNamespace } from './volunteer-data';
import type { EventBudget } from './event-budget';
import type { LaneOffers } from './lane-offers';
import type { HungrySessions } from './hungry-sessions';
import type { LeaseHolders } from './lease-holders';
import type { ClaimRider } from '../scheduler/claim-rider';

export type { VolunteerNamespace } from './volunteer-data';

/** What this process knows of its volunteer connections, filled in here and read by the notifier (attach.ts). */
export interface Connections {
	/** The interactive lane's offers to each, and which could take one now. */
	offers: LaneOffers;
	/** Those waiting for work. */
	hungry: HungrySessions;
	/** Which holds each lease. */
	holders: LeaseHolders;
}

/**
 * How long a volunteer has to say it took an offered task. It answers as it starts the task, so a healthy
 * one answers in a round trip; one that has not after this is not running it soon enough for a client
 * that waits, and the task is offered elsewhere.
 */
const OFFER_ANSWER_MS = 2000;

/** Live text: which leases may stream, and where accepted text goes (the job's dashboard room). */
export interface TextRelayOptions {
	streams: TextStreams;
	publish(text: JobText): void;
}

/**
 * Wires each volunteer connection, authenticated in the handshake (volunteer-handshake.ts), to the
 * volunteer-work service (scheduler/volunteer-work.ts): every event is parsed within the socket's event
 * budget, handed to the service and acknowledged with its outcome. What stays here is transport: which
 * of this socket's leases may stream text, the lane's offers (lane-offers.ts) to it, whether it waits for
 * work (hungry-sessions.ts), and which leases it holds (lease-holders.ts).
 */
export function serveVolunteers(
	work: VolunteerWork,
	nsp: VolunteerNamespace,
	text: TextRelayOptions,
	budget: EventBudget,
	{ offers, hungry, holders }: Connections
) {
	nsp.on('connection', (socket) => {
		socket.use(budget.middleware(socket));
		metrics.volunteerSockets.inc();
		socket.on('disconnect', () => metrics.volunteerSockets.dec());
		const session = (): WorkSession | null => (socket.data.volunteerId ? (socket.data as VolunteerData) : null);
		/** Leases of this connection that may stream text; forgotten when they end. */
		const streaming = new Map<number, string>();
		/**
		 * This connection's live leases as it was told of them (task id: when it expires), for the lane's choice of
		 * whom to offer to (lane-offers.ts): forgotten when the volunteer ends one, or when it runs out unrenewed.
		 */
		const held = new Map<number, number>();
		const endStream = (taskId: number, leaseToken: string) => {
			text.streams.untrack(taskId, leaseToken);
			streaming.delete(taskId);
			held.delete(taskId);
			holders.end(socket.id, taskId);
		};
		const trackStreams = async (s: WorkSession, tasks: TaskLease[]) => {
			const generating = tasks.filter((t) => t.taskType === 'text_generation');
			const offsets = await work.firstInputs(s, generating);
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
		};
		// Every connected socket was authenticated in the handshake; this guards data that was somehow never filled.
		const withSession =
			<P, R extends object>(fn: (s: WorkSession, p: P) => Promise<R>) =>
			async (p: P) => {
				const s = session();
				return s ? fn(s, p) : refuse('this socket has no session', 'unauthorized');
			};

		socket.on(
			'status',
			handle(
				StatusPayload,
				withSession(async (s, p) => {
					Object.assign(socket.data, p, { gateOpen: await work.status(s, p) });
					return { ok: true } as const;
				})
			)
		);
		const lease = async (s: WorkSession, p: TaskRequest, rider?: ClaimRider) => {
			const tasks = await work.lease(s, p, rider);
			for (const t of tasks) held.set(t.taskId, t.leaseExpiresAt);
			holders.hold(
				socket.id,
				tasks.map((t) => t.taskId)
			);
			await trackStreams(s, tasks);
			return tasks;
		};
		/** The owner's model limits as its latest request sent them, which an offer applies as that request did; none before its first request. */
		let limits: { models?: ModelLimits } | null = null;
		socket.on(
			'task:request',
			handle(
				TaskRequest,
				withSession(async (s, p) => {
					limits = p.models ? { models: p.models } : {};
					let got = 0;
					try {
						const tasks = await lease(s, p);
						got = tasks.length;
						return { ok: true, tasks } as const;
					} finally {
						// Its work loop sleeps after an empty answer (or a failed one) until nudged (hungry-sessions.ts); a
						// lane request's answer does not put it to sleep. One the hub's readiness gate keeps from work is
						// not counted as waiting: a nudge meant for a task would be wasted on it, and its next status
						// report, not new work, is what lets it ask again.
						if (!p.lane && socket.connected) hungry.answered(socket.id, s.gateOpen && got === 0, s.capabilities.taskTypes);
					}
				})
			)
		);
		const offer = async (rider?: ClaimRider) => {
			const s = session();
			if (!s || !limits || !socket.connected) return false;
			const tasks = await lease(s, { slots: 1, lane: 'interactive', ...limits }, rider);
			if (tasks.length === 0) return false;
			// Not taken: the volunteer cannot run it now (paused, its lane slot full), did not answer in time, or left
			// while the claim ran (its leaving released only what it held before). It goes back, to be offered elsewhere.
			// The answer is the volunteer's claim like any message from it: anything but a well-formed one takes nothing.
			const reply = socket.connected
				? await socket
						.timeout(OFFER_ANSWER_MS)
						.emitWithAck('task:offer', { tasks })
						.catch(() => null)
				: null;
			const taken = new Set(OfferAnswer.safeParse(reply).data?.taken ?? []);
			for (const t of tasks.filter((t) => !taken.has(t.taskId))) {
				endStream(t.taskId, t.leaseToken);
				await work.release(s, { taskId: t.taskId, leaseToken: t.leaseToken });
			}
			// Ids it was not offered take nothing.
			return tasks.some((t) => taken.has(t.taskId));
		};
		offers.set(socket.id, {
			offer,
			// As laneTargets reads a session from the database: ready at its last report, and declaring the task type;
			// and it has asked for work, so an offer has its model limits.
			load: (taskType) => {
				const s = session();
				if (!s || !limits || !socket.connected || !s.gateOpen || !s.capabilities.taskTypes.includes(taskType)) return null;
				const now = Date.now();
				for (const [taskId, expires] of held) if (expires <= now) held.delete(taskId);
				return held.size;
			}
		});
		socket.on(
			'task:progress',
			handle(
				TaskProgress,
				withSession(async (s, p) => {
					const reply = await work.renew(s, p);
					if (reply.ok && held.has(p.taskId)) held.set(p.taskId, reply.leaseExpiresAt);
					return reply;
				})
			)
		);
		socket.on(
			'task:result',
			handle(
				TaskResult,
				withSession(async (s, p) => {
					const reply = await work.handIn(s, p);
					endStream(p.taskId, p.leaseToken);
					return reply;
				})
			)
		);
		socket.on(
			'task:results',
			handle(
				TaskResults,
				withSession(async (s, p) => {
					const results = await work.handInMany(s, p.results);
					for (const r of p.results) endStream(r.taskId, r.leaseToken);
					return { ok: true, results } as const;
				})
			)
		);
		// Fire and forget (no acknowledgement, so streaming never waits): refused text is dropped and changes nothing.
		socket.on('task:text', (payload: unknown) => {
			const parsed = TaskText.safeParse(payload);
			if (!parsed.success || !session()) return;
			const accepted = text.streams.accept(parsed.data);
			if ('event' in accepted) text.publish(accepted.event);
		});
		// A lease that ends by failure, release or checkpoint streams no more, whatever the outcome.
		const ending = <P extends { taskId: number; leaseToken: string }, R extends object>(fn: (s: WorkSession, p: P) => Promise<R>) =>
			withSession((s, p: P) => {
				endStream(p.taskId, p.leaseToken);
				return fn(s, p);
			});
		socket.on(
			'task:fail',
			handle(
				TaskFailure,
				ending((s, p) => work.fail(s, p))
			)
		);
		socket.on(
			'task:release',
			handle(
				TaskRelease,
				ending((s, p) => work.release(s, p))
			)
		);
		socket.on(
			'task:checkpoint',
			handle(
				TaskCheckpoint,
				ending((s, p) => work.checkpoint(s, p))
			)
		);

		socket.on('disconnect', () => {
			offers.delete(socket.id);
			hungry.delete(socket.id);
			holders.leave(socket.id);
			for (const [taskId, token] of streaming) endStream(taskId, token);
			work.leave(socket.id);
		});
	});
}

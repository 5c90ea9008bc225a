import { and, eq, sql } from 'drizzle-orm';
import { volunteerSessions, volunteers } from '../db/schema';
import type { Db } from '../db';
import type { Capabilities, Readiness } from '../../protocol/volunteer';

/** Sessions of seed-style REST agents: not served by any hub process, so only their own heartbeats keep them alive. */
export const REST_HUB = 'rest';
export const restSessionId = (nodeId: string) => `rest:${nodeId}`;

/** Whether a node id is already taken (registered before, by anyone). */
export async function nodeExists(db: Db, nodeId: string): Promise<boolean> {
	const [row] = await db.select({ id: volunteers.id }).from(volunteers).where(eq(volunteers.id, nodeId));
	return row !== undefined;
}

/** Records a registration: the volunteer, and its session as it stands until the first heartbeat. */
export async function registerNode(db: Db, nodeId: string, capabilities: Capabilities, readiness: Readiness): Promise<void> {
	await db.transaction(async (tx) => {
		await tx
			.insert(volunteers)
			.values({ id: nodeId })
			.onConflictDoUpdate({ target: volunteers.id, set: { lastSeenAt: sql`now()` } });
		await tx
			.insert(volunteerSessions)
			.values({ id: restSessionId(nodeId), volunteerId: nodeId, hubId: REST_HUB, capabilities, mode: 'auto', readiness, readyForAi: false })
			.onConflictDoUpdate({ target: volunteerSessions.id, set: { capabilities, readiness, lastSeenAt: sql`now()` } });
	});
}

/** The node's REST session, or null when it never registered. */
export async function restSession(db: Db, nodeId: string) {
	const [row] = await db
		.select()
		.from(volunteerSessions)
		.where(and(eq(volunteerSessions.id, restSessionId(nodeId)), eq(volunteerSessions.hubId, REST_HUB)));
	return row ?? null;
}

export async function recordHeartbeat(db: Db, nodeId: string, readiness: Readiness, readyForAi: boolean): Promise<void> {
	await db
		.update(volunteerSessions)
		.set({ readiness, readyForAi, lastSeenAt: sql`now()` })
		.where(eq(volunteerSessions.id, restSessionId(nodeId)));
}

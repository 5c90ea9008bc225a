/** The probes' answers (`/api/health/live`, `/api/health/ready`), produced by the hub and read by tests, benches and orchestrators. */
import { z } from 'zod';

/** `GET /api/health/live`: the process answers, so its event loop turns. Nothing else is looked at. */
export const LivenessView = z.object({ live: z.literal(true), hub: z.string() });
export type LivenessView = z.infer<typeof LivenessView>;

/** Why a hub is not ready: it is shutting down, its database does not answer, or it lacks migrations this build has. */
export const NotReadyReason = z.enum(['shutting_down', 'database_unreachable', 'migrations_pending']);
export type NotReadyReason = z.infer<typeof NotReadyReason>;

/** `GET /api/health/ready`: 200 with `ready: true`, or 503 with the reason and what was found. */
export const ReadinessView = z.discriminatedUnion('ready', [
	z.object({
		ready: z.literal(true),
		hub: z.string(),
		database: z.enum(['postgres', 'pglite']),
		migrations: z.number().int().describe('migrations this build ships, all applied')
	}),
	z.object({ ready: z.literal(false), hub: z.string(), reason: NotReadyReason, error: z.string() })
]);
export type ReadinessView = z.infer<typeof ReadinessView>;

import { json } from '@sveltejs/kit';
import type { LivenessView } from '$lib/protocol/health';
import type { RequestHandler } from './$types';

/**
 * Liveness: answering at all shows the event loop turns, which is all a restart would fix. It reads no
 * database on purpose: an orchestrator restarts a hub whose liveness fails, and restarting every hub
 * because PostgreSQL is briefly away would only add a stampede to the outage (readiness covers that).
 */
export const GET: RequestHandler = ({ locals: { hub } }) => json({ live: true, hub: hub.id } satisfies LivenessView);

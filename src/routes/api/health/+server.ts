import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Liveness for load balancers and start-up scripts: answers once the hub has started. */
export const GET: RequestHandler = ({ locals: { hub } }) => json({ ok: true, hub: hub.id, database: hub.database.kind });

import { json } from '@sveltejs/kit';
import type { HealthView } from '$lib/protocol/rest/misc';
import type { RequestHandler } from './$types';

/** The seed's health check, kept for the scripts that call it: answers once the hub has started (the probes are live/ and ready/). */
export const GET: RequestHandler = ({ locals: { hub } }) =>
	json({ ok: true, hub: hub.id, database: hub.database.kind } satisfies HealthView);

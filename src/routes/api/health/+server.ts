import { json } from '@sveltejs/kit';
import { getHub } from '$lib/server/runtime';

/** Liveness for load balancers and start-up scripts: answers once the hub has started. */
export async function GET() {
	const hub = await getHub();
	return json({ ok: true, hub: hub.id, database: hub.database.kind });
}

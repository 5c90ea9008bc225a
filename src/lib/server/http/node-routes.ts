import { json } from '@sveltejs/kit';
import { getHub } from '../runtime';
import { withApiErrors } from './api';
import { liveSessions } from '../volunteers/sessions';
import { nodeViews } from '../volunteers/node-views';

/** Connected volunteers with their readiness, across every hub process (GET /nodes/ai-readiness, GET /api/nodes). */
export const listNodes = withApiErrors(async () => {
	const hub = await getHub();
	return json(nodeViews(await liveSessions(hub.db, hub.config.heartbeatMs * 3)));
});

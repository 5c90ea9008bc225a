import path from 'node:path';
import { withApiErrors } from '$lib/server/http/api';
import { dailyStats } from '$lib/server/stats/daily-stats';
import { serveStatsFile } from '$lib/server/stats/serve-stats';
import type { RequestHandler } from './$types';

/**
 * GET /stats/{users,teams}.{json,csv}.gz and /stats/index.json: the open statistics, made once per
 * UTC day (see daily-stats.ts), for third-party stats sites as BOINC's XML dumps are.
 */
export const GET: RequestHandler = withApiErrors(async ({ params, request, locals: { hub } }) =>
	serveStatsFile(params.file, request, () => dailyStats(hub.db, path.join(hub.config.dataDir, 'stats')))
);

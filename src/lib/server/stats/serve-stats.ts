import type { DailyStats } from './daily-stats';
import { STATS_FILES, type StatsFileName } from './export-files';

const isStatsFile = (name: string): name is StatsFileName => (STATS_FILES as readonly string[]).includes(name);

/** Seconds until the next UTC midnight, when the next day's statistics may be made (at least a minute). */
function secondsToMidnight(now: number): number {
	return Math.max(60, Math.ceil((86_400_000 - (now % 86_400_000)) / 1000));
}

/** Whether the client's copy is this one: If-None-Match when sent (any listed tag, or `*`), else If-Modified-Since. */
function fresh(request: Request, etag: string, generatedAt: Date): boolean {
	const tags = request.headers.get('if-none-match');
	if (tags !== null) return tags.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*');
	const since = Date.parse(request.headers.get('if-modified-since') ?? '');
	return Number.isFinite(since) && Math.floor(generatedAt.getTime() / 1000) * 1000 <= since;
}

/**
 * One statistics file as a response: a download (gzip files are `application/gzip`, not a content
 * encoding), cached until the day ends, readable by any site's scripts (CORS `*`: it is public), and
 * a 304 for a poller whose copy is current.
 */
export async function serveStatsFile(
	name: string,
	request: Request,
	stats: () => Promise<DailyStats>,
	now = Date.now()
): Promise<Response> {
	if (!isStatsFile(name)) return Response.json({ error: `no statistics file "${name}"; see /stats/index.json` }, { status: 404 });
	const day = await stats();
	const file = day.files[name];
	const headers = {
		'Content-Type': file.contentType,
		ETag: file.etag,
		'Last-Modified': day.generatedAt.toUTCString(),
		'Cache-Control': `public, max-age=${secondsToMidnight(now)}`,
		'Access-Control-Allow-Origin': '*',
		'Cross-Origin-Resource-Policy': 'cross-origin',
		...(name.endsWith('.gz') ? { 'Content-Disposition': `attachment; filename="${name}"` } : {})
	};
	if (fresh(request, file.etag, day.generatedAt)) return new Response(null, { status: 304, headers });
	return new Response(new Uint8Array(file.body), { headers: { ...headers, 'Content-Length': String(file.body.length) } });
}

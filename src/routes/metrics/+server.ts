import { registry } from '$lib/server/metrics/registry';
import { refreshQueueGauges } from '$lib/server/metrics/queue-gauges';
import type { RequestHandler } from './$types';

/** Prometheus text exposition of this hub process's metrics (prom-client), the queue's depth read at each scrape. */
export const GET: RequestHandler = async ({ locals: { hub } }) => {
	await refreshQueueGauges(hub.db);
	return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
};

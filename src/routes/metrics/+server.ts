import { renderMetrics } from '$lib/server/metrics/registry';

/** Prometheus scrape endpoint. */
export function GET() {
	return new Response(renderMetrics(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' } });
}

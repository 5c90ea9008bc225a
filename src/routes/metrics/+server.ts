import { registry } from '$lib/server/metrics/registry';

/** Prometheus text exposition of this hub process's metrics (prom-client). */
export async function GET() {
	return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
}

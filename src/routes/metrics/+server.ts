import { registry } from '$lib/server/metrics';

/** Prometheus text exposition of this hub process's metrics. */
export async function GET() {
	return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
}

import { json } from '@sveltejs/kit';
import { NodeRegistration } from '$lib/protocol/seed-nodes';
import type { Capabilities } from '$lib/protocol/volunteer';
import { readJson, withApiErrors } from '$lib/server/http/api';
import { requireNodeToken } from '$lib/server/http/seed-nodes';
import { nodeExists, registerNode } from '$lib/server/volunteers/rest-nodes';
import type { RequestHandler } from './$types';

/** The seed's registration for agents that are not browsers: answers the node's token for its heartbeats. */
export const POST: RequestHandler = withApiErrors(async ({ request, locals: { hub } }) => {
	const r = await readJson(request, NodeRegistration, 64 * 1024);
	if (await nodeExists(hub.db, r.id)) requireNodeToken(hub, request, r.id);
	const capabilities: Capabilities = {
		agent: 'node',
		backend: 'native',
		webgpu: null,
		cores: r.cores ?? 1,
		deviceMemory: r.memory_gb ?? null,
		crossOriginIsolated: false,
		taskTypes: ['embedding'],
		userAgent: `seed-agent (${r.capabilities.join(', ').slice(0, 400)})`
	};
	await registerNode(hub.db, r.id, capabilities, { score: 0, ready: false });
	return json({ node_id: r.id, token: hub.identities.issueFor(r.id), heartbeat_seconds: hub.config.heartbeatMs / 1000 }, { status: 201 });
});

import { json } from '@sveltejs/kit';
import { NodeRegistration } from '$lib/protocol/seed-nodes';
import type { Capabilities } from '$lib/protocol/volunteer';
import { readJson, withApiErrors } from '$lib/server/http/api';
import { requireNodeToken } from '$lib/server/http/seed-nodes';
import { nodeExists, registerNode } from '$lib/server/volunteers/rest-nodes';
import type { NodeRegistered, RegistrationNeedsWork, RegistrationRateLimited } from '$lib/protocol/rest/nodes';
import type { z } from 'zod';
import type { RequestHandler } from './$types';
import { admitNewIdentity, type Admission } from '$lib/server/auth/identity-admission';
import { clientAddressFor } from '$lib/server/http/edge/client-address';
import { networkOf } from '$lib/server/net/network-of';

/** 429 with Retry-After for a spent ration; 403 with a challenge to solve when proof of work is asked for. */
function refusedRegistration(admission: Exclude<Admission, { ok: true }>): Response {
	if (admission.code === 'rate-limited')
		return json({ error: admission.error, retry_after_ms: admission.retryAfterMs } satisfies z.infer<typeof RegistrationRateLimited>, {
			status: 429,
			headers: { 'retry-after': String(Math.ceil(admission.retryAfterMs / 1000)) }
		});
	return json({ error: admission.error, pow: admission.pow } satisfies z.infer<typeof RegistrationNeedsWork>, { status: 403 });
}

/** The seed's registration for agents that are not browsers: answers the node's token for its heartbeats. */
export const POST: RequestHandler = withApiErrors(async ({ request, locals: { hub }, platform, getClientAddress }) => {
	const r = await readJson(request, NodeRegistration, 64 * 1024);
	if (await nodeExists(hub.db, r.id)) requireNodeToken(hub, request, r.id);
	else {
		// A new node is a new identity: rationed per network like a volunteer's (auth/identity-admission.ts).
		const address = platform?.req ? clientAddressFor(hub.config.trustedProxies)(platform.req) : getClientAddress();
		const admission = await admitNewIdentity(hub.db, hub.identities, hub.config.identities, networkOf(address, hub.config.networks), r.pow);
		if (!admission.ok) return refusedRegistration(admission);
	}
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
	const registered: NodeRegistered = {
		node_id: r.id,
		token: hub.identities.issueFor(r.id),
		heartbeat_seconds: hub.config.heartbeatMs / 1000
	};
	return json(registered, { status: 201 });
});

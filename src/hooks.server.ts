import type { Handle, ServerInit } from '@sveltejs/kit';
import { getHub } from '$lib/server/runtime';
import { crossOriginIsolation } from '$lib/server/http/isolation';

/** Start the hub (database, migrations, demo model) before the first request is served. */
export const init: ServerInit = async () => {
	await getHub();
};

export const handle: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	// The server entry sets these on every response too; here they also cover `vite dev` page responses.
	for (const [name, value] of Object.entries(crossOriginIsolation)) response.headers.set(name, value);
	return response;
};

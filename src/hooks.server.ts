import type { Handle, ServerInit } from '@sveltejs/kit';
import { getHub } from '$lib/server/runtime';
import { crossOriginIsolation } from '$lib/server/http/isolation';
import { isApiPath, unmatchedApiPath } from '$lib/server/http/unmatched';

/** Start the hub (database, migrations, demo model) before the first request is served. */
export const init: ServerInit = async () => {
	await getHub();
};

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.hub = await getHub();
	// An API client gets JSON for a path no route matched (a malformed id among them), not the error page.
	const response = event.route.id === null && isApiPath(event.url.pathname) ? unmatchedApiPath(event.url.pathname) : await resolve(event);
	// The server entry sets these on every response too; here they also cover `vite dev` page responses.
	// A response made to be embedded by other sites (a volunteer's card) sets its own resource policy.
	for (const [name, value] of Object.entries(crossOriginIsolation))
		if (!(name === 'Cross-Origin-Resource-Policy' && response.headers.has(name))) response.headers.set(name, value);
	return response;
};

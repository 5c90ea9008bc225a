/**
 * What an API path that matches no route answers: JSON `{error}` like every other API refusal, not
 * Kit's HTML error page (pages keep that). Most such paths are well-formed routes whose id a param
 * matcher (src/params/) rejected; each gets the answer its handler gave a malformed id before the
 * matchers took over that check, so the REST contract did not change.
 */
import { apiError } from './api';
import { NODE_ID_RULE } from '../../protocol/ids';
import { OpenAiError, openAiErrorResponse } from '../openai/errors';

const API = /^\/(?:api|tasks|nodes|blobs|v1)(?:\/|$)/;

const MALFORMED: { path: RegExp; answer: (id: string) => [status: number, error: string] }[] = [
	{ path: /^\/api\/jobs\/([^/]+)(?:\/(?:cancel|results|tasks))?$/, answer: (id) => [404, `no job "${id}": job ids are UUIDs`] },
	{ path: /^\/tasks\/([^/]+)\/status$/, answer: (id) => [404, `no job "${id}": job ids are UUIDs`] },
	{ path: /^\/blobs\/([^/]+)$/, answer: () => [404, 'blob names are lowercase sha256 digests'] },
	{ path: /^\/nodes\/([^/]+)\/heartbeat$/, answer: () => [400, `invalid node id: ${NODE_ID_RULE}`] },
	{ path: /^\/nodes\/([^/]+)\/health\/detailed$/, answer: (id) => [404, `no live node "${id}"`] },
	{ path: /^\/api\/volunteers\/([^/]+)(?:\/history)?$/, answer: (id) => [404, `no volunteer "${id}"`] }
];

export function isApiPath(pathname: string): boolean {
	return API.test(pathname);
}

/** The JSON 404 (or, for a malformed node id, 400) for an API path no route took. */
export function unmatchedApiPath(pathname: string): Response {
	// OpenAI's clients read their own error shape.
	if (/^\/v1(?:\/|$)/.test(pathname))
		return openAiErrorResponse(new OpenAiError(404, `no endpoint at ${pathname}`, 'invalid_request_error', null, 'unknown_url'));
	for (const { path, answer } of MALFORMED) {
		const id = path.exec(pathname)?.[1];
		if (id !== undefined) return apiError(...answer(decode(id)));
	}
	return apiError(404, `no API endpoint at ${pathname}`);
}

function decode(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

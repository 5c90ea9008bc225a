/**
 * Errors in OpenAI's shape, `{error: {message, type, param, code}}`, so OpenAI's SDKs raise their typed
 * errors (AuthenticationError, BadRequestError, NotFoundError, RateLimitError…) for our refusals too.
 */
import { json } from '@sveltejs/kit';
import { ApiError } from '../http/api';

export type OpenAiErrorType = 'invalid_request_error' | 'authentication_error' | 'insufficient_quota' | 'server_error';

/** Thrown inside a /v1 handler; `withOpenAiErrors` turns it into the response. */
export class OpenAiError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly type: OpenAiErrorType,
		readonly param: string | null = null,
		readonly code: string | null = null,
		readonly headers: Record<string, string> = {}
	) {
		super(message);
	}
}

/** A 400 about one request field (`param`), as OpenAI reports a bad argument. */
export const invalidParam = (param: string | null, message: string, code: string | null = null) =>
	new OpenAiError(400, message, 'invalid_request_error', param, code);

/** The hub's own refusals (auth, body size, JSON, schema) said the OpenAI way, keeping their status and words. */
function fromApiError(e: ApiError): OpenAiError {
	if (e.status === 401) return new OpenAiError(401, e.message, 'authentication_error', null, 'invalid_api_key');
	if (e.status === 404) return new OpenAiError(404, e.message, 'invalid_request_error', null, 'not_found');
	return new OpenAiError(e.status, e.message, e.status >= 500 ? 'server_error' : 'invalid_request_error');
}

export function openAiErrorResponse(e: OpenAiError): Response {
	return json({ error: { message: e.message, type: e.type, param: e.param, code: e.code } }, { status: e.status, headers: e.headers });
}

/** Wraps a /v1 handler: every refusal is OpenAI-shaped, anything unexpected a logged 500 in the same shape. */
export function withOpenAiErrors<E>(fn: (event: E) => Promise<Response>) {
	return async (event: E): Promise<Response> => {
		try {
			return await fn(event);
		} catch (e) {
			if (e instanceof OpenAiError) return openAiErrorResponse(e);
			if (e instanceof ApiError) return openAiErrorResponse(fromApiError(e));
			console.error('exostack: /v1 request failed:', e);
			return openAiErrorResponse(new OpenAiError(500, 'the hub could not process this request', 'server_error'));
		}
	};
}

import { json, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';
import type { Hub } from '../hub';
import { hasBearer } from '../auth/api-token';

/** A JSON error response: `{ "error": "…" }` with the given status. Every API refusal goes through here. */
export function apiError(status: number, error: string): Response {
	return json({ error }, { status });
}

/** Thrown inside a handler to stop it with an API error; `withApiErrors` turns it into the response. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

/** Wraps a route handler so an ApiError becomes its JSON response and anything else a logged 500. */
export function withApiErrors(fn: (event: RequestEvent) => Promise<Response>) {
	return async (event: RequestEvent): Promise<Response> => {
		try {
			return await fn(event);
		} catch (e) {
			if (e instanceof ApiError) return apiError(e.status, e.message);
			console.error('exostack: request failed:', e);
			return apiError(500, 'the hub could not process this request');
		}
	};
}

export function requireToken(hub: Hub, request: Request): void {
	if (!request.headers.get('authorization')) throw new ApiError(401, 'missing API token: send Authorization: Bearer <token>');
	if (!hasBearer(request, hub.apiToken)) throw new ApiError(401, 'invalid API token');
}

/**
 * Reads a JSON body of at most `maxBytes`, counting as it streams (Content-Length can lie or be absent),
 * then validates it with `schema`. Every failure is a 4xx that says what is wrong.
 */
export async function readJson<S extends z.ZodType>(request: Request, schema: S, maxBytes: number): Promise<z.infer<S>> {
	const type = request.headers.get('content-type') ?? '';
	if (type && !/^application\/(.+\+)?json\b/i.test(type)) throw new ApiError(415, 'send the body as application/json');
	const text = await readText(request, maxBytes);
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch (e) {
		throw new ApiError(400, `malformed JSON: ${(e as Error).message}`);
	}
	const parsed = schema.safeParse(body);
	if (!parsed.success) {
		const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
		throw new ApiError(400, `invalid request: ${issues.join('; ')}`);
	}
	return parsed.data;
}

async function readText(request: Request, maxBytes: number): Promise<string> {
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (declared > maxBytes) throw tooLarge(maxBytes);
	if (!request.body) throw new ApiError(400, 'the request has no body');
	const chunks: Uint8Array[] = [];
	let size = 0;
	for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
		size += chunk.byteLength;
		if (size > maxBytes) throw tooLarge(maxBytes);
		chunks.push(chunk);
	}
	return Buffer.concat(chunks).toString('utf8');
}

const tooLarge = (max: number) => new ApiError(413, `the request body is larger than ${max} bytes (EXOSTACK_MAX_BODY_BYTES)`);

import { json, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';
import type { Hub } from '../hub';
import { authenticate, bearerOf, credentialsOf } from '../auth/authenticate';
import { canAccessJob } from '../auth/job-access';
import type { Principal } from '../auth/principal';
import { unstorableTextAt, unstorableTextMessage } from '../db/storable-text';
import { log } from '../log';
import { readQuery } from './query';

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
export function withApiErrors<E extends RequestEvent>(fn: (event: E) => Promise<Response>) {
	return async (event: E): Promise<Response> => {
		try {
			return await fn(event);
		} catch (e) {
			if (e instanceof ApiError) return apiError(e.status, e.message);
			log.error({ err: e, path: event.url.pathname }, 'request failed');
			return apiError(500, 'the hub could not process this request');
		}
	};
}

/** The admin or a live API key, from `Authorization: Bearer`; 401 otherwise. */
export async function requirePrincipal(hub: Hub, request: Request): Promise<Principal> {
	if (!request.headers.get('authorization'))
		throw new ApiError(401, 'missing API token: send Authorization: Bearer <token> (the admin token or an API key)');
	const token = bearerOf(request);
	if (!token) throw new ApiError(401, 'invalid API token: send it as Authorization: Bearer <token>');
	const principal = await authenticate(credentialsOf(hub), token);
	if (!principal) throw new ApiError(401, 'invalid API token (unknown or revoked key)');
	return principal;
}

/** The admin token only: a submitter's key gets 403. */
export async function requireAdmin(hub: Hub, request: Request): Promise<void> {
	if ((await requirePrincipal(hub, request)).kind !== 'admin') throw new ApiError(403, 'this needs the admin token');
}

/** The caller, who must be the job's owner or the admin: anyone else gets the 404 of a missing job. */
export async function requireJobAccess(hub: Hub, request: Request, jobId: string): Promise<Principal> {
	const principal = await requirePrincipal(hub, request);
	if (!(await canAccessJob(hub.db, principal, jobId))) throw new ApiError(404, `no job "${jobId}"`);
	return principal;
}

/**
 * Reads a JSON body of at most `maxBytes`, counting as it streams (Content-Length can lie or be absent),
 * then validates it with `schema` and checks its text is storable. Every failure is a 4xx that says what is wrong.
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
	if (!parsed.success) throw new ApiError(400, `invalid request: ${describeIssues(parsed.error.issues, [], body).join('; ')}`);
	const unstorable = unstorableTextAt(parsed.data);
	if (unstorable !== null) throw new ApiError(400, `invalid request: ${unstorableTextMessage(unstorable)}`);
	return parsed.data;
}

type Issue = z.core.$ZodIssue;

/**
 * One line per issue, `path: message`. A union's own message is a bare "Invalid input", which hides
 * what is wrong (an `input` array over the item cap said only that): report the branch whose type
 * matched instead, or, when none did, the types it takes and the one it got.
 */
function describeIssues(issues: readonly Issue[], prefix: PropertyKey[], body: unknown): string[] {
	return issues.flatMap((issue) => {
		const path = [...prefix, ...issue.path];
		const where = path.map(String).join('.') || 'body';
		if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [`${where}: ${issue.message}`];
		const wrongType = (branch: Issue[]) => branch.length === 1 && branch[0].code === 'invalid_type' && branch[0].path.length === 0;
		const matched = issue.errors.find((branch) => !wrongType(branch));
		if (matched) return describeIssues(matched, path, body);
		const expected = issue.errors.map((branch) => (branch[0] as Issue & { expected: string }).expected);
		return [`${where}: expected ${expected.join(' or ')}, received ${typeName(valueAt(body, path))}`];
	});
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
	return path.reduce<unknown>(
		(v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined),
		value
	);
}

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

async function readText(request: Request, maxBytes: number): Promise<string> {
	return Buffer.from(await readBytes(request, maxBytes)).toString('utf8');
}

/** The raw body, refused with a 413 past `maxBytes` (counted as it streams). */
export async function readBytes(request: Request, maxBytes: number, what = 'the request body'): Promise<Uint8Array> {
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (declared > maxBytes) throw tooLarge(maxBytes, what);
	if (!request.body) throw new ApiError(400, 'the request has no body');
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > maxBytes) {
			// Not cancelled: that would destroy the connection with bytes unread, and the client would see a
			// reset instead of the 413. The server's edge reads and drops the rest after the response (unread-body.ts).
			reader.releaseLock();
			throw tooLarge(maxBytes, what);
		}
		chunks.push(value);
	}
	return new Uint8Array(Buffer.concat(chunks));
}

const tooLarge = (max: number, what = 'the request body') =>
	new ApiError(
		413,
		what === 'the request body'
			? `the request body is larger than ${max} bytes (EXOSTACK_MAX_BODY_BYTES)`
			: `${what} is larger than ${max} bytes`
	);

/** A query string read with the contract's schema (query.ts): a 400 naming the bad parameter. */
export function parseQuery<S extends z.ZodObject>(url: URL, schema: S): z.infer<S> {
	const read = readQuery(url, schema);
	if (!read.ok) throw new ApiError(400, `${read.param}: ${read.message}`);
	return read.query;
}

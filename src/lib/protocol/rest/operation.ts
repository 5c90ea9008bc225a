/**
 * One entry of the REST contract: a path and method with its auth, parameters, body and answers, each
 * body a zod schema from this folder. The OpenAPI document (server/openapi/) is generated from these
 * entries; the hub's views are typed by the same schemas and the typed client (api-client/) parses with
 * them, so the document, the answers and the client cannot describe three different shapes.
 */
import type { z } from 'zod';
import { ApiErrorBody } from './common';

export const TAGS = {
	jobs: 'Submit AI work, follow it, read its results.',
	models: 'The models volunteers run, and their files.',
	volunteers: 'Credit, leaderboards, profiles and teams.',
	nodes: "The seed's node API for agents that are not browsers, and the connected volunteers.",
	admin: 'API keys, the audit log, backups (the admin token only).',
	webhooks: 'Signed callbacks when jobs and batches finish.',
	health: 'Probes, metrics and open statistics.',
	openai: 'OpenAI-compatible endpoints (`/v1`): any OpenAI client works with base URL `<hub>/v1`.',
	seed: "The seed's original paths, kept for its users: a job is a `task` there."
} as const;
export type Tag = keyof typeof TAGS;

/**
 * Who may call: `public` anyone; `key` the admin token or a submitter's API key; `admin` the admin token
 * only; `optional` anyone, but the admin token sees more; `node` the token `POST /nodes/register` gave the
 * node (or the admin token); `identity` anyone, proving who it is with a signed identity in the body.
 */
export type Auth = 'public' | 'key' | 'admin' | 'optional' | 'node' | 'identity';

export interface Body {
	/** JSON when absent; else the media type, with `schema` describing it where it is structured. */
	type?: string;
	schema?: z.ZodType;
	description?: string;
	example?: unknown;
}

export interface Reply extends Body {
	description: string;
	/** A second media type the same status may answer with (a streamed completion). */
	also?: Body;
	headers?: Record<string, string>;
}

export type Method = 'get' | 'post' | 'delete';

export interface Operation {
	method: Method;
	/** OpenAPI's template: `/api/jobs/{id}`. */
	path: string;
	tag: Tag;
	summary: string;
	description?: string;
	auth: Auth;
	params?: z.ZodObject;
	query?: z.ZodObject;
	/** Request headers the operation reads, by name, with what they mean. */
	headers?: Record<string, string>;
	body?: Body;
	responses: Record<number, Reply>;
}

const ERROR_MEANINGS: Record<number, string> = {
	400: 'the request is malformed or invalid',
	401: 'missing or unknown token',
	403: 'the token may not do this',
	404: 'no such thing (or not yours)',
	409: 'the request conflicts with the current state',
	413: 'the body is too large',
	415: 'the body has the wrong media type',
	422: 'the Idempotency-Key was used with another body',
	429: 'over a quota or rate; see Retry-After',
	503: 'the hub cannot serve this now'
};

/** The `{error}` answers an operation may give, by status. */
export function errors(...statuses: number[]): Record<number, Reply> {
	return Object.fromEntries(statuses.map((s) => [s, { description: ERROR_MEANINGS[s] ?? 'refused', schema: ApiErrorBody }]));
}

/** A list of operations, each checked against `Operation` where it is written. */
export const defineOperations = <const T extends readonly Operation[]>(ops: T) => ops;

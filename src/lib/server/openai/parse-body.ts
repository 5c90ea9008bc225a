import { z } from 'zod';
import { readJson } from '../http/api';
import { readQuery } from '../http/query';
import { invalidParam } from './errors';

/**
 * Reads a /v1 body with the hub's bounded JSON reader (size, content type, storable text), then validates
 * it with `schema`. The first issue is reported with its field as OpenAI's `param` (`input[3]`, `messages[0].role`).
 */
export async function parseOpenAiBody<S extends z.ZodType>(request: Request, schema: S, maxBytes: number): Promise<z.infer<S>> {
	const body = await readJson(request, z.unknown(), maxBytes);
	return validateOpenAiBody(body, schema);
}

/** A /v1 query string read with the contract's schema (http/query.ts): a 400 in OpenAI's shape naming the bad parameter. */
export function parseOpenAiQuery<S extends z.ZodObject>(url: URL, schema: S): z.infer<S> {
	const read = readQuery(url, schema);
	if (!read.ok) throw invalidParam(read.param, `${read.param}: ${read.message}`);
	return read.query;
}

/** Validates a parsed /v1 body with `schema`: a 400 naming the first bad field as OpenAI's `param`. */
export function validateOpenAiBody<S extends z.ZodType>(body: unknown, schema: S): z.infer<S> {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidParam(null, 'the body must be a JSON object');
	const parsed = schema.safeParse(body);
	if (parsed.success) return parsed.data;
	const { path, message } = firstIssue(parsed.error.issues[0], []);
	const param = paramOf(path);
	throw invalidParam(param, `${param ?? 'body'}: ${message}`);
}

type Issue = z.core.$ZodIssue;

/**
 * A union's own message is a bare "Invalid input": report the issue of the branch whose type matched
 * (an array with a bad item), or, when none did, the types the field takes.
 */
function firstIssue(issue: Issue, prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
	const path = [...prefix, ...issue.path];
	if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { path, message: issue.message };
	const wrongType = (branch: Issue[]) => branch.length === 1 && branch[0].code === 'invalid_type' && branch[0].path.length === 0;
	const matched = issue.errors.find((branch) => !wrongType(branch));
	if (matched) return firstIssue(matched[0], path);
	const expected = issue.errors.map((branch) => (branch[0] as Issue & { expected: string }).expected);
	return { path, message: `expected ${expected.join(' or ')}` };
}

function paramOf(path: PropertyKey[]): string | null {
	if (path.length === 0) return null;
	return path.reduce<string>((s, key, i) => (typeof key === 'number' ? `${s}[${key}]` : i === 0 ? String(key) : `${s}.${String(key)}`), '');
}

/**
 * A query string read with the contract's schema (protocol/rest/), the same one the OpenAPI document shows,
 * so the bounds a client reads are the ones enforced. A field the schema takes as a number is read as one
 * when written as a plain integer; a parameter given twice is a problem rather than one of them picked (a
 * proxy and the hub could read different ones); one the schema does not name is ignored.
 */
import { z } from 'zod';

export type QueryOutcome<T> = { ok: true; query: T } | { ok: false; param: string; message: string };

export function readQuery<S extends z.ZodObject>(url: URL, schema: S): QueryOutcome<z.infer<S>> {
	const query: Record<string, unknown> = {};
	for (const [name, value] of url.searchParams) {
		if (!(name in schema.shape)) continue;
		if (name in query) return { ok: false, param: name, message: 'give it once' };
		query[name] = isNumber(schema.shape[name]) && /^\d{1,15}$/.test(value) ? Number(value) : value;
	}
	const parsed = schema.safeParse(query);
	if (parsed.success) return { ok: true, query: parsed.data };
	const issue = parsed.error.issues[0];
	return { ok: false, param: String(issue.path[0] ?? ''), message: issue.message };
}

function isNumber(field: z.ZodType | undefined): boolean {
	let t: unknown = field;
	while (t instanceof z.ZodOptional || t instanceof z.ZodDefault) t = t.unwrap();
	return t instanceof z.ZodNumber;
}

/** The parts of the hub's OpenAPI document the reference page shows, parsed (the page renders nothing it has not checked). */
import { z } from 'zod';

export const JsonSchema = z.record(z.string(), z.unknown());
export type JsonSchema = z.infer<typeof JsonSchema>;

const Media = z.record(z.string(), z.object({ schema: JsonSchema.optional(), example: z.unknown().optional() }));
export type Media = z.infer<typeof Media>;

const Operation = z.object({
	operationId: z.string(),
	tags: z.array(z.string()).min(1),
	summary: z.string(),
	description: z.string().optional(),
	'x-exostack-auth': z.enum(['public', 'key', 'admin', 'optional', 'node', 'identity']),
	parameters: z
		.array(z.object({ name: z.string(), in: z.string(), required: z.boolean(), description: z.string().optional(), schema: JsonSchema }))
		.optional(),
	requestBody: z.object({ description: z.string().optional(), content: Media }).optional(),
	responses: z.record(z.string(), z.object({ description: z.string(), content: Media.optional() }))
});
export type Operation = z.infer<typeof Operation>;

export const OpenApiDoc = z.object({
	info: z.object({ title: z.string(), version: z.string(), description: z.string() }),
	tags: z.array(z.object({ name: z.string(), description: z.string() })),
	paths: z.record(z.string(), z.record(z.string(), Operation)),
	components: z.object({ securitySchemes: z.record(z.string(), z.object({ description: z.string() })) })
});
export type OpenApiDoc = z.infer<typeof OpenApiDoc>;

export const AUTH_LABELS: Record<Operation['x-exostack-auth'], string> = {
	public: 'no token',
	key: 'API key or admin token',
	admin: 'admin token',
	optional: 'no token (the admin token sees more)',
	node: "the node's token (or the admin token)",
	identity: 'a signed volunteer identity in the body'
};

/** The operations under each tag, in the document's tag order, each path's methods in the document's order. */
export function operationsByTag(doc: OpenApiDoc) {
	return doc.tags
		.map((tag) => ({
			...tag,
			operations: Object.entries(doc.paths).flatMap(([path, methods]) =>
				Object.entries(methods)
					.filter(([, op]) => op.tags[0] === tag.name)
					.map(([method, op]) => ({ method, path, op }))
			)
		}))
		.filter((t) => t.operations.length > 0);
}

/** A schema's type in a few words: `string (date-time)`, `"queued" | "running"`, `array of object`, `integer or null`. */
export function typeOf(s: JsonSchema): string {
	if ('const' in s) return JSON.stringify(s.const);
	if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
	const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
	if (Array.isArray(alternatives)) return alternatives.map(typeOf).join(' or ');
	if (s.type === 'array') return `array of ${isSchema(s.items) ? typeOf(s.items) : 'anything'}`;
	const type = Array.isArray(s.type) ? s.type.join(' or ') : typeof s.type === 'string' ? s.type : 'any';
	return typeof s.format === 'string' ? `${type} (${s.format})` : type;
}

export const isSchema = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object schema to list fields of, looking through arrays and `X or null`; null when there is none. */
export function fieldsOf(s: JsonSchema): { properties: Record<string, JsonSchema>; required: string[] } | null {
	if (isSchema(s.properties)) return { properties: s.properties as Record<string, JsonSchema>, required: (s.required as string[]) ?? [] };
	if (s.type === 'array' && isSchema(s.items)) return fieldsOf(s.items);
	const alternatives = (s.anyOf ?? s.oneOf) as unknown;
	if (Array.isArray(alternatives)) {
		const objects = alternatives.filter(isSchema).filter((a) => a.type !== 'null');
		if (objects.length === 1) return fieldsOf(objects[0]);
	}
	return null;
}

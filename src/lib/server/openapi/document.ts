/**
 * The OpenAPI 3.1 document, generated from the REST contract (protocol/rest/) at first use and served
 * at `GET /openapi.json`; the reference page at /docs/api renders it. Nothing in it is written by hand
 * but the words: every schema is the zod schema the views are typed by and the client parses with.
 */
import type { z } from 'zod';
import { OPERATIONS } from '../../protocol/rest/contract';
import { TAGS, type Auth, type Body, type Operation, type Reply } from '../../protocol/rest/operation';
import { isOptional, jsonSchemaOf, type JsonSchema } from './json-schema';
import { V1_OPERATIONS } from './v1-operations';

const SECURITY: Record<Auth, Record<string, string[]>[]> = {
	public: [],
	identity: [],
	key: [{ apiKey: [] }],
	admin: [{ apiKey: [] }],
	optional: [{}, { apiKey: [] }],
	node: [{ nodeToken: [] }, { apiKey: [] }]
};

function parameters(op: Operation) {
	const from = (where: 'path' | 'query', object: z.ZodObject | undefined) =>
		Object.entries(object?.shape ?? {}).map(([name, schema]) => ({
			name,
			in: where,
			required: where === 'path' || !isOptional(schema as z.ZodType),
			...((schema as z.ZodType).description ? { description: (schema as z.ZodType).description } : {}),
			schema: jsonSchemaOf(schema as z.ZodType, 'input')
		}));
	const headers = Object.entries(op.headers ?? {}).map(([name, description]) => ({
		name,
		in: 'header',
		required: false,
		description,
		schema: { type: 'string' }
	}));
	return [...from('path', op.params), ...from('query', op.query), ...headers];
}

function content(body: Body, io: 'input' | 'output') {
	const type = body.type ?? 'application/json';
	const schema: JsonSchema = body.schema ? jsonSchemaOf(body.schema, io) : {};
	return { [type]: { schema, ...(body.example !== undefined ? { example: body.example } : {}) } };
}

function response(reply: Reply) {
	return {
		description: reply.description,
		...(reply.headers
			? { headers: Object.fromEntries(Object.entries(reply.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) }
			: {}),
		...(reply.schema || reply.type
			? { content: { ...content(reply, 'output'), ...(reply.also ? content(reply.also, 'output') : {}) } }
			: {})
	};
}

function operation(op: Operation) {
	const params = parameters(op);
	return {
		operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
		tags: [op.tag],
		summary: op.summary,
		...(op.description ? { description: op.description } : {}),
		security: SECURITY[op.auth],
		'x-exostack-auth': op.auth,
		...(params.length ? { parameters: params } : {}),
		...(op.body
			? {
					requestBody: {
						required: true,
						...(op.body.description ? { description: op.body.description } : {}),
						content: content(op.body, 'input')
					}
				}
			: {}),
		responses: Object.fromEntries(Object.entries(op.responses).map(([status, reply]) => [status, response(reply)]))
	};
}

function build() {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const op of [...OPERATIONS, ...V1_OPERATIONS] as readonly Operation[]) (paths[op.path] ??= {})[op.method] = operation(op);
	return {
		openapi: '3.1.0',
		info: {
			title: 'ExoStack hub',
			version: '1',
			description:
				'Volunteer computing for AI: submit jobs, follow them, and speak the OpenAI API. Errors are `{"error": "…"}` (OpenAI’s shape on `/v1`).'
		},
		tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
		paths,
		components: {
			securitySchemes: {
				apiKey: {
					type: 'http',
					scheme: 'bearer',
					description: "A submitter's API key (`POST /api/keys`, `exostack keys create`) or the hub's admin token (data/api-token)."
				},
				nodeToken: { type: 'http', scheme: 'bearer', description: 'The token `POST /nodes/register` answered for the node.' }
			}
		}
	};
}

export type OpenApiDocument = ReturnType<typeof build>;

let built: OpenApiDocument | undefined;

/** Built once: the contract does not change while the hub runs. */
export const openApiDocument = (): OpenApiDocument => (built ??= build());

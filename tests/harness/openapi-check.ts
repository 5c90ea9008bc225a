/**
 * Checks live answers against the hub's own OpenAPI document (fetched from `/openapi.json`): the status
 * must be documented for the operation, the content type one the document names for it, and a JSON body
 * valid against its schema by Ajv's JSON Schema 2020-12 validator (OpenAPI 3.1's dialect). Records what
 * was seen, so a test can require every operation answered both a success and an error.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

type Content = Record<string, { schema: object }>;
interface DocOperation {
	responses: Record<string, { content?: Content }>;
}
export interface OpenApiDoc {
	paths: Record<string, Record<string, DocOperation>>;
}

// ajv-formats is CommonJS: its default export arrives as the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
	addFormatsModule) as typeof addFormatsModule;

export class ContractCheck {
	readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
	readonly #compiled = new Map<object, ValidateFunction>();
	/** `METHOD template status`, for each answer checked. */
	readonly seen = new Set<string>();

	constructor(readonly doc: OpenApiDoc) {
		addFormats(this.#ajv);
	}

	/** Checks one live answer to `METHOD template`; returns its body (parsed when JSON). */
	async check(res: Response, method: string, template: string): Promise<unknown> {
		const where = `${method.toUpperCase()} ${template}`;
		const op = this.doc.paths[template]?.[method.toLowerCase()];
		expect(op, `${where} is not in the document`).toBeDefined();
		const text = await res.text();
		const reply = op.responses[String(res.status)];
		expect(reply, `${where} answered ${res.status}, which the document does not list: ${text.slice(0, 300)}`).toBeDefined();
		this.seen.add(`${where} ${res.status}`);
		const type = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
		if (!reply.content) {
			expect(text, `${where} ${res.status} has no documented body`).toBe('');
			return null;
		}
		expect(Object.keys(reply.content), `${where} ${res.status}: content-type ${type}`).toContain(type);
		if (type !== 'application/json') return text;
		const body: unknown = JSON.parse(text);
		const schema = reply.content[type].schema;
		let validate = this.#compiled.get(schema);
		if (!validate) this.#compiled.set(schema, (validate = this.#ajv.compile(schema)));
		expect(validate(body) ? [] : validate.errors, `${where} ${res.status}: ${text.slice(0, 500)}`).toEqual([]);
		return body;
	}

	/** Operations that never answered a 2xx, and those documenting a 4xx that never answered one. */
	gaps(): string[] {
		const missing: string[] = [];
		for (const [p, methods] of Object.entries(this.doc.paths))
			for (const [m, op] of Object.entries(methods)) {
				const where = `${m.toUpperCase()} ${p}`;
				const seen = [...this.seen].filter((s) => s.startsWith(`${where} `)).map((s) => Number(s.slice(where.length + 1)));
				if (!seen.some((s) => s >= 200 && s < 300)) missing.push(`${where}: no success`);
				const errors = Object.keys(op.responses).filter((s) => s.startsWith('4'));
				if (errors.length > 0 && !seen.some((s) => s >= 400 && s < 500)) missing.push(`${where}: no error`);
			}
		return missing;
	}
}

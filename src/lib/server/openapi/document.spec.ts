import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from './document';

const ROUTES = path.resolve('src/routes');

/** Every `+server.ts` under src/routes as `METHOD /openapi/{template}`: `[id=uuid]` and `[...id]` become `{id}`. */
function routeOperations(): string[] {
	const found: string[] = [];
	const walk = (dir: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.name === '+server.ts') {
				const template =
					'/' +
					path
						.relative(ROUTES, dir)
						.split(path.sep)
						.map((part) => part.replace(/^\[(?:\.\.\.)?([^\]=]+)(?:=[^\]]+)?\]$/, '{$1}'))
						.join('/');
				const source = readFileSync(full, 'utf8');
				const methods = [
					...source.matchAll(
						/export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b|export \{ (GET|POST|PUT|PATCH|DELETE)\b/g
					)
				];
				for (const m of methods) found.push(`${m[1] ?? m[2]} ${template}`);
			}
		}
	};
	walk(ROUTES);
	return found.sort();
}

const documented = () =>
	Object.entries(openApiDocument().paths)
		.flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`))
		.sort();

describe('the OpenAPI document', () => {
	it('is a valid OpenAPI 3.1 document (checked by a real validator)', async () => {
		const validator = new Validator();
		const result = await validator.validate(structuredClone(openApiDocument()));
		expect(result.errors ?? []).toEqual([]);
		expect(result.valid).toBe(true);
		expect(validator.version).toBe('3.1');
	});

	it('describes every route and method the hub serves, and nothing it does not', () => {
		const routes = routeOperations();
		expect(routes.length).toBeGreaterThan(40);
		expect(documented()).toEqual(routes);
	});

	it('gives every JSON answer a schema, and every operation with auth a security requirement', () => {
		for (const [p, methods] of Object.entries(openApiDocument().paths))
			for (const [m, op] of Object.entries(methods) as [
				string,
				{ security: unknown[]; 'x-exostack-auth': string; responses: Record<string, { content?: Record<string, { schema: object }> }> }
			][]) {
				for (const [status, reply] of Object.entries(op.responses)) {
					const body = reply.content?.['application/json'];
					if (body) expect(Object.keys(body.schema), `${m} ${p} ${status}`).not.toHaveLength(0);
				}
				if (['key', 'admin', 'node'].includes(op['x-exostack-auth'])) expect(op.security.length, `${m} ${p}`).toBeGreaterThan(0);
			}
	});

	it('answers job_id on /api and task_id on the seed paths', () => {
		const schemaOf = (p: string, m: 'get' | 'post', status: string) =>
			(openApiDocument().paths[p][m] as { responses: Record<string, { content: Record<string, { schema: { properties: object } }> }> })
				.responses[status].content['application/json'].schema.properties;
		expect(Object.keys(schemaOf('/api/jobs', 'post', '201'))).toContain('job_id');
		expect(Object.keys(schemaOf('/api/jobs/{id}', 'get', '200'))).toContain('job_id');
		expect(Object.keys(schemaOf('/tasks/submit', 'post', '201'))).toEqual(['task_id', 'status']);
		expect(Object.keys(schemaOf('/tasks/{id}/status', 'get', '200'))).toContain('task_id');
		expect(Object.keys(schemaOf('/tasks/{id}/status', 'get', '200'))).not.toContain('job_id');
	});
});

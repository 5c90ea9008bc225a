/**
 * compose.yaml, validated against the Compose specification's JSON schema and linted by dclint (no
 * container engine runs here; the README says what was not run), then held to the hub: PostgreSQL, two
 * hubs of this repository's image on it, and the proxy with the nginx configuration from deploy/nginx/.
 */
import { readFileSync } from 'node:fs';
import { DCLinter } from 'dclint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/config';
import { tempDir } from '../harness/hub-process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

interface Service {
	build?: string;
	image?: string;
	environment?: Record<string, string>;
	depends_on?: Record<string, { condition: string }>;
	volumes?: string[];
	stop_grace_period?: string;
	healthcheck?: unknown;
}

const lint = (file: string) => new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] }).lintFiles([file], false)[0].messages;
const compose = parse(readFileSync('compose.yaml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const hubs = Object.entries(compose.services).filter(([, s]) => s.build === '.');
/** Compose's ${VAR:-default} and ${VAR:?error} with what the README asks the operator to set. */
const interpolate = (value: string) =>
	value.replace(
		/\$\{(\w+)(?::[-?]([^}]*))?\}/g,
		(_, name: string) => ({ POSTGRES_PASSWORD: 'pw', EXOSTACK_API_TOKEN: 'x'.repeat(32) })[name] ?? 'localhost'
	);

describe('compose.yaml', () => {
	it('is valid against the Compose specification and clean of dclint findings', () => {
		expect(lint('compose.yaml')).toEqual([]);
	});

	it('would be refused with a mistake the schema knows of (the validator is not a formality)', () => {
		const broken = path.join(tempDir('exostack-compose-'), 'compose.yaml');
		writeFileSync(broken, readFileSync('compose.yaml', 'utf8').replace('condition: service_healthy', 'condition: whenever'));
		expect(lint(broken).map((m) => m.rule)).toContain('invalid-schema');
	});

	it('runs two hubs of the image on PostgreSQL, each started only once the database is healthy', () => {
		expect(hubs.map(([name]) => name)).toEqual(['hub-a', 'hub-b']);
		for (const [name, hub] of hubs) {
			expect(hub.depends_on, name).toEqual({ postgres: { condition: 'service_healthy' } });
			expect(new URL(interpolate(hub.environment!.DATABASE_URL)).host, name).toBe('postgres:5432');
			expect(
				() => loadConfig(Object.fromEntries(Object.entries(hub.environment!).map(([k, v]) => [k, interpolate(v)]))),
				name
			).not.toThrow();
			// The hubs share one model store.
			expect(hub.volumes, name).toEqual(['hub-data:/data']);
		}
		expect(compose.services.postgres.healthcheck).toBeDefined();
	});

	it('gives each hub longer to stop than its bounded shutdown takes', () => {
		for (const [name, hub] of hubs) {
			const shutdown = loadConfig({ EXOSTACK_SHUTDOWN_SECONDS: hub.environment!.EXOSTACK_SHUTDOWN_SECONDS }).shutdownMs / 1000;
			expect(Number(/^(\d+)s$/.exec(hub.stop_grace_period!)![1]), name).toBeGreaterThan(shutdown);
		}
	});

	it('puts the proxy in front of both hubs with the nginx configuration of deploy/nginx/, once they are healthy', () => {
		const proxy = compose.services.proxy;
		expect(Object.keys(proxy.depends_on!).sort()).toEqual(['hub-a', 'hub-b']);
		expect(Object.values(proxy.depends_on!).every((d) => d.condition === 'service_healthy')).toBe(true);
		expect(proxy.volumes!.some((v) => v.startsWith('./deploy/nginx/'))).toBe(true);
		expect(proxy.environment!.EXOSTACK_HUBS).toBe('server hub-a:8000; server hub-b:8000;');
		expect(loadConfig({}).port).toBe(8000);
	});
});

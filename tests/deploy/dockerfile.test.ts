/**
 * The container image, as far as it can be checked without a container engine (none runs here; the
 * README says what was not run): the Dockerfile parsed by dockerfile-ast, its CMD the very command the
 * end-to-end suite starts every hub with, and its HEALTHCHECK command run against a real hub.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Copy, DockerfileParser, type Cmd, type From, type Instruction } from 'dockerfile-ast';
import { afterAll, describe, expect, it } from 'vitest';
import { HUB_COMMAND, startHubProcess, type HubProcess } from '../harness/hub-process';
import { loadConfig } from '../../src/lib/server/config';

const dockerfile = DockerfileParser.parse(readFileSync('Dockerfile', 'utf8'));
/** The instructions of each stage, FROM first. */
const stages = dockerfile.getInstructions().reduce<Instruction[][]>((all, i) => {
	if (i.getKeyword() === 'FROM') all.push([i]);
	else all.at(-1)?.push(i);
	return all;
}, []);
const final = stages.at(-1)!;
const only = (keyword: string) => {
	const found = final.filter((i) => i.getKeyword() === keyword);
	expect(found, `the final stage's ${keyword}`).toHaveLength(1);
	return found[0];
};
/** The exec-form (JSON) arguments of a CMD, or of a HEALTHCHECK's CMD. */
const execForm = (text: string) => JSON.parse(text.replace(/^(?:--\S+\s+)*CMD\s+/, '')) as string[];

const hubs: HubProcess[] = [];
afterAll(async () => {
	await Promise.all(hubs.map((h) => h.stop()));
});

describe('the Dockerfile', () => {
	it('builds in one stage and runs from another that installs production dependencies only', () => {
		expect(stages.length).toBeGreaterThanOrEqual(2);
		const runs = stages
			.flat()
			.filter((i) => i.getKeyword() === 'RUN')
			.map((i) => i.getArgumentsContent());
		expect(runs).toContainEqual(expect.stringContaining('npm run build'));
		expect(runs).toContainEqual(expect.stringMatching(/npm ci --omit=dev/));
		// node_modules come from the stage that omitted dev dependencies, not the one that built.
		const modules = final.filter((i): i is Copy => i instanceof Copy && !!i.getArgumentsContent()?.includes('node_modules'));
		expect(modules).toHaveLength(1);
		const from = modules[0].getFromFlag()?.getValue();
		const source = stages.find((s) => (s[0] as From).getBuildStage() === from)!;
		expect(source, `the stage ${from}`).toBeDefined();
		expect(source.map((i) => i.getArgumentsContent()).join('\n')).toMatch(/npm ci --omit=dev/);
		expect(source.map((i) => i.getArgumentsContent()).join('\n')).not.toMatch(/npm ci --no-audit/);
	});

	it('runs as an unprivileged user', () => {
		const user = only('USER').getArgumentsContent()!;
		expect(user).not.toMatch(/^(root|0)(:|$)/);
		expect(user).toBe('node');
	});

	it('starts the hub with the command the end-to-end tests start it with, on the port the hub listens on by default', async () => {
		const cmd = only('CMD') as Cmd;
		expect(cmd.getJSONStrings().map((s) => s.getJSONValue())).toEqual([...HUB_COMMAND]);
		expect(final.some((i) => i.getKeyword() === 'ENTRYPOINT')).toBe(false);
		expect(only('EXPOSE').getArgumentsContent()).toBe(String(loadConfig({}).port));
		// And the harness does start exactly that: this node, on server.js, nothing between.
		const hub = await startHubProcess();
		hubs.push(hub);
		expect(hub.child.spawnfile).toBe(process.execPath);
		expect(hub.child.spawnargs.slice(1)).toEqual(HUB_COMMAND.slice(1));
	});

	it('checks health with a command that passes on a live hub and fails on a stopped one', async () => {
		const healthcheck = only('HEALTHCHECK').getArgumentsContent()!;
		const command = execForm(healthcheck);
		expect(command[0]).toBe('node');
		expect(command.join(' ')).toContain('/api/health/live');
		const hub = await startHubProcess();
		hubs.push(hub);
		const run = () =>
			promisify(execFile)(process.execPath, command.slice(1), { env: { ...process.env, PORT: String(hub.port) }, timeout: 10_000 }).then(
				() => 0,
				(e: { code?: number }) => e.code ?? -1
			);
		expect(await run()).toBe(0);
		await hub.stop();
		expect(await run()).toBe(1);
	});

	it('stops with SIGTERM, the signal the hub shuts down cleanly on', () => {
		expect(only('STOPSIGNAL').getArgumentsContent()).toBe('SIGTERM');
	});

	it('leaves none of the build inputs out of the build context', async () => {
		const { BUILD_INPUTS } = await import('../../scripts/build-inputs.js');
		const ignored = readFileSync('.dockerignore', 'utf8')
			.split('\n')
			.map((l) => l.trim())
			.filter((l) => l && !l.startsWith('#'));
		expect(ignored.filter((pattern) => BUILD_INPUTS.some((input: string) => input === pattern || input.startsWith(`${pattern}/`)))).toEqual(
			[]
		);
		expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'build', 'data', '.git']));
	});
});

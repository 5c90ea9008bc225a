/**
 * `npm start` builds only when the build is stale (scripts/build-inputs.js): judged here on a scratch
 * project of real files, and on this checkout, whose build the suite's setup made from these sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILD_INPUTS, inputsHash, STAMP, staleBuild } from '../../scripts/build-inputs.js';
import { tempDir } from '../harness/hub-process';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = tempDir('exostack-stamp-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(relative: string, text: string) {
	mkdirSync(path.dirname(path.join(scratch, relative)), { recursive: true });
	writeFileSync(path.join(scratch, relative), text);
}
/** What `npm run build` leaves: the server entry, then the stamp as its last step. */
function build() {
	write('build/handler.js', 'export const handler = () => {};');
	execFileSync(process.execPath, [path.join(root, 'scripts', 'build-stamp.js')], { cwd: scratch });
}

describe('whether npm start must build', () => {
	it('builds a fresh clone, then not again until an input changes', () => {
		write('src/routes/+page.svelte', '<h1>hub</h1>');
		write('src/lib/server/hub.ts', 'export const hub = 1;');
		write('static/favicon.svg', '<svg/>');
		write('package-lock.json', '{"lockfileVersion": 3}');
		write('README.md', '# docs');
		expect(staleBuild(scratch)).toBe('there is no build yet');
		write('build/handler.js', 'export const handler = () => {};');
		expect(staleBuild(scratch)).toBe('the build has no record of its sources');
		build();
		expect(staleBuild(scratch)).toBeNull();
	});

	it.each([
		['an edited source', () => write('src/lib/server/hub.ts', 'export const hub = 2;')],
		['a new source', () => write('src/lib/server/new-module.ts', 'export {};')],
		['a removed source', () => rmSync(path.join(scratch, 'src/lib/server/new-module.ts'))],
		['a renamed asset', () => renameSync(path.join(scratch, 'static/favicon.svg'), path.join(scratch, 'static/icon.svg'))],
		['a new dependency version', () => write('package-lock.json', '{"lockfileVersion": 3, "packages": {}}')],
		['a new migration', () => write('drizzle/0002_next.sql', 'select 1;')]
	])('builds again after %s', (_, change) => {
		build();
		expect(staleBuild(scratch)).toBeNull();
		change();
		expect(staleBuild(scratch)).toBe('the sources changed since the last build');
	});

	it.each([
		['the README', () => write('README.md', '# more docs')],
		['a spec beside the code', () => write('src/lib/server/hub.spec.ts', 'it("x", () => {});')],
		['an end-to-end test', () => write('tests/e2e/x.test.ts', 'it("x", () => {});')]
	])('does not build again after an edit to %s, which no build includes', (_, change) => {
		build();
		change();
		expect(staleBuild(scratch)).toBeNull();
	});

	it('lists only inputs that exist in this checkout', () => {
		expect(BUILD_INPUTS.filter((input) => !existsSync(path.join(root, input)))).toEqual([]);
		expect(inputsHash(root)).toMatch(/^[0-9a-f]{64}$/);
	});

	it("sees this checkout's build, stamped by npm run build, as up to date", () => {
		expect(staleBuild(root), 'run `npm run build`: the sources changed since the build').toBeNull();
	});

	it('starts over when the build is gone', () => {
		build();
		expect(readFileSync(path.join(scratch, STAMP), 'utf8')).toBe(`${inputsHash(scratch)}\n`);
		expect(staleBuild(scratch)).toBeNull();
		rmSync(path.join(scratch, 'build'), { recursive: true });
		expect(staleBuild(scratch)).toBe('there is no build yet');
	});
});

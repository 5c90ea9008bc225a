import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findMigrations } from './migrations-folder';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const migrations = path.join(root, 'drizzle');

/**
 * Every committed migration, pinned by its sha256. A migration a database has applied is never edited
 * (drizzle records the hash but never checks it, so an edit would silently not run anywhere it ran
 * before): change the schema with a new file from `npm run db:generate`, and pin that file here.
 */
const FROZEN: Record<string, string> = {
	'0000_init': '8c7c7c0ac76bc5fcb8a20be09fcb679311a54c6cfe8d1a9dcb939282e57a5d3f',
	'0001_defences': '94cde2d14a9a349da69c9dd917ab0d273d12e984058adfb626be474ceae14ec9',
	'0002_teams_recognition': '21c972ddc95784b2c0f423bb36407a5a18904283a1420962308d640a3637d764',
	'0003_webhooks_idempotency': '27fdad8cf71af81d32135197a349a2011d6d6d085803cdc7e5fbdc8c32038b2a',
	'0004_batches': 'd017bbca5c82c61168421d8ebf2793ee617bd2372fff3dd1dc4038f9f41b98ff',
	'0005_enforced_states': '29e115f7a9cd81eaa4691d691931fc465e577677e04d33d15ce8683493416b45',
	'0006_chunk_size_auto': '80aeb1899bfd4ecabbd36299beec89a2bd583b7e0f8a734f6c900f8a4e509dd3',
	'0007_accepted_results_created_idx': '1bde2620153f59832b0945ab64dedbedc0ca9583b9c6d8b027231da07a80080f',
	'0008_feeder_holds': 'abfa13b14503dba639168f58ca81ea83c45226d5e8d1a11a5aff3fca82a0bcf2'
};

const scratches: string[] = [];
afterAll(() => scratches.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function scratchDir(): string {
	scratches.push(mkdtempSync(path.join(tmpdir(), 'exostack-migrations-')));
	return scratches.at(-1)!;
}

describe('the committed migrations', () => {
	it('are never edited once committed', () => {
		const journal = JSON.parse(readFileSync(path.join(migrations, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
		expect(journal.entries.map((e) => e.tag)).toEqual(expect.arrayContaining(Object.keys(FROZEN)));
		for (const { tag } of journal.entries) {
			const sha256 = createHash('sha256')
				.update(readFileSync(path.join(migrations, `${tag}.sql`)))
				.digest('hex');
			expect(sha256, `${tag}.sql changed, or is new and not pinned in FROZEN`).toBe(FROZEN[tag]);
		}
	});

	it('agree with the schema: drizzle-kit generate finds nothing to add', () => {
		// A copy, so a schema change not yet generated shows up here rather than as a new file in drizzle/.
		const scratch = scratchDir();
		const out = path.join(scratch, 'drizzle');
		cpSync(migrations, out, { recursive: true });
		const config = path.join(scratch, 'drizzle.config.ts');
		// drizzle-kit joins `out` to the working directory, so it must be relative.
		writeFileSync(
			config,
			`import base from ${JSON.stringify(path.join(root, 'drizzle.config.ts'))};\n` +
				`export default { ...base, out: ${JSON.stringify(path.relative(root, out))} };\n`
		);
		const bin = path.join(root, 'node_modules', 'drizzle-kit', 'bin.cjs');
		const output = execFileSync(process.execPath, [bin, 'generate', '--config', config], {
			cwd: root,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: 60_000
		});
		expect(readdirSync(out).sort(), output).toEqual(readdirSync(migrations).sort());
		expect(output).toMatch(/No schema changes/);
	});
});

describe('findMigrations', () => {
	it('finds the checkout’s drizzle/ from the source tree', () => {
		expect(findMigrations()).toBe(migrations);
	});

	it('finds the build’s own copy from bundled server code', () => {
		const build = path.join(scratchDir(), 'app', 'build');
		mkdirSync(path.join(build, 'drizzle', 'meta'), { recursive: true });
		writeFileSync(path.join(build, 'drizzle', 'meta', '_journal.json'), '{"entries": []}');
		expect(findMigrations(path.join(build, 'server', 'chunks', 'index.js'))).toBe(path.join(build, 'drizzle'));
	});

	it('says where it looked when there is none', () => {
		expect(() => findMigrations(path.join(scratchDir(), 'elsewhere', 'index.js'))).toThrow(
			/no drizzle\/meta\/_journal.json in any folder above/
		);
	});
});

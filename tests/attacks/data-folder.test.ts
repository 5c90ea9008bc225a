/**
 * Attacks by another user of the hub's machine: reading the data folder (the API token, the embedded
 * database with the key that signs volunteer identities, the model store) or the hub's log. The folder
 * must be the hub user's alone, on a fresh install and on one made before this was enforced, and the
 * token must appear in the log only on the start that generated it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHubProcess, tempDir, TEST_TOKEN } from '../harness/hub-process';

/** Every path under `dir` (itself included) whose permissions are not `dirMode` / `fileMode`. */
function loosePaths(dir: string): string[] {
	const loose: string[] = [];
	const walk = (p: string) => {
		const st = statSync(p);
		const mode = st.mode & 0o777;
		if (st.isDirectory()) {
			if (mode !== 0o700) loose.push(`${p} ${mode.toString(8)}`);
			for (const name of readdirSync(p)) walk(path.join(p, name));
		} else if (mode !== 0o600) loose.push(`${p} ${mode.toString(8)}`);
	};
	walk(dir);
	return loose.length <= 5 ? loose : [...loose.slice(0, 5), `… ${loose.length} in all`];
}

/** Files another local user (nobody) can read: it tries each one, as that user. Root only; elsewhere []. */
function readableByOthers(files: string[]): string[] | null {
	if (process.getuid?.() !== 0) return null;
	const script = `const fs=require('fs');for(const f of JSON.parse(process.argv[1])){try{fs.readFileSync(f);console.log(f)}catch{}}`;
	const run = spawnSync(process.execPath, ['-e', script, JSON.stringify(files)], { uid: 65534, gid: 65534, encoding: 'utf8' });
	return run.stdout.split('\n').filter(Boolean);
}

function someFiles(dataDir: string): string[] {
	const pglite = path.join(dataDir, 'pglite');
	const base = path.join(pglite, 'base');
	const db = readdirSync(base).map((d) => path.join(base, d))[0];
	return [path.join(dataDir, 'api-token'), path.join(pglite, 'PG_VERSION'), ...readdirSync(db).map((f) => path.join(db, f))];
}

describe('the data folder', () => {
	it('is the hub user’s alone (0700, files 0600), fresh or already there, and the token is logged only when generated', async () => {
		// A parent anyone may enter, as a home or /srv folder is: only the data folder's own modes protect it.
		const parent = tempDir('exostack-perm-');
		chmodSync(parent, 0o755);
		const dataDir = path.join(parent, 'data');

		const fresh = await startHubProcess({ dataDir, env: { EXOSTACK_API_TOKEN: undefined } });
		const generated = /exo_[\w-]{20,}/.exec(fresh.logs())?.[0];
		await fresh.stop();
		expect(generated, fresh.logs()).toBeDefined();
		expect(loosePaths(dataDir)).toEqual([]);
		const readable = readableByOthers(someFiles(dataDir));
		if (readable) expect(readable).toEqual([]);

		// An install from before: everything world-readable, as PGlite and the old hub left it.
		chmodSync(dataDir, 0o755);
		for (const f of someFiles(dataDir)) chmodSync(f, 0o666);
		mkdirSync(path.join(dataDir, 'blobs', 'extra'), { recursive: true, mode: 0o777 });
		chmodSync(path.join(dataDir, 'blobs', 'extra'), 0o777);
		const again = await startHubProcess({ dataDir, env: { EXOSTACK_API_TOKEN: undefined } });
		await again.stop();
		expect(loosePaths(dataDir)).toEqual([]);
		// The token came from the file this time: it is not printed again.
		expect(again.logs()).not.toContain(generated);

		const configured = await startHubProcess({ dataDir, env: { EXOSTACK_DEMO_MODELS: 'off' } });
		await configured.stop();
		expect(configured.logs()).not.toContain(TEST_TOKEN);
		expect(configured.logs()).not.toContain(generated);
	});
});

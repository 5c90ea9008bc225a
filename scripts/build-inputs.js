// What the production build is made from, and whether build/ is up to date with it: `npm start`
// (scripts/start.js) builds only when it is not, so a hub restarted by a supervisor serves in about a
// second instead of after a half-minute build. `npm run build` ends by writing the stamp (build-stamp.js).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Everything a change to which changes build/: the app's sources and assets, the migrations copied into
 * it, the dependencies bundled into it (their versions in the lock file, the patches applied to them),
 * and the configuration and scripts of the build itself. A folder counts with every file under it.
 */
export const BUILD_INPUTS = [
	'src',
	'static',
	'drizzle',
	'patches',
	'package.json',
	'package-lock.json',
	'svelte.config.js',
	'vite.config.ts',
	'pwa.config.ts',
	'tsconfig.json',
	'scripts/compress-assets.js',
	'scripts/copy-migrations.js',
	'scripts/build-inputs.js'
];

/** Files under src/ that no build includes: specs and type tests are only ever read by vitest. */
const NOT_BUILT = /\.(spec|test-d)\.ts$/;

/** Where the build keeps the hash of the inputs it was made from; adapter-node empties build/ at each build's start. */
export const STAMP = path.join('build', '.inputs-sha256');

/**
 * The files at `relative` under `root` (itself, when it is a file), in sorted order.
 * @param {string} root
 * @param {string} relative
 * @returns {Generator<string>}
 */
function* files(root, relative) {
	const full = path.join(root, relative);
	const stat = statSync(full, { throwIfNoEntry: false });
	if (!stat) return;
	if (!stat.isDirectory()) return yield relative;
	for (const entry of readdirSync(full).sort()) yield* files(root, path.join(relative, entry));
}

/**
 * sha256 over the inputs' paths and contents, in a fixed order: an edit, a new file, a removed or renamed one all change it.
 * @param {string} root
 */
export function inputsHash(root) {
	const hash = createHash('sha256');
	for (const input of BUILD_INPUTS)
		for (const file of files(root, input)) {
			if (NOT_BUILT.test(file)) continue;
			hash.update(`${file.split(path.sep).join('/')}\0`);
			hash.update(readFileSync(path.join(root, file)));
			hash.update('\0');
		}
	return hash.digest('hex');
}

/**
 * Why build/ must be built again, or null when it was built from the inputs as they are now.
 * @param {string} root
 * @returns {string | null}
 */
export function staleBuild(root) {
	if (!existsSync(path.join(root, 'build', 'handler.js'))) return 'there is no build yet';
	const stamp = path.join(root, STAMP);
	if (!existsSync(stamp)) return 'the build has no record of its sources';
	if (readFileSync(stamp, 'utf8').trim() !== inputsHash(root)) return 'the sources changed since the last build';
	return null;
}

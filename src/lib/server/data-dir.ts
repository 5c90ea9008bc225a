import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The data folder holds the API token, PGlite's files (among them the key that signs volunteer
 * identities: whoever reads it can mint any volunteer's identity and take its credit) and the model
 * store. It is the hub user's alone: the folder 0700, everything in it without group or other bits
 * (files 0600). Applied at every start, so an install from before this rule is tightened too; PGlite
 * creates its files 0666 whatever the umask, which the folder's 0700 then keeps from other users.
 */
export function secureDataDir(dir: string): void {
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	ownerOnly(dir);
}

function ownerOnly(p: string): void {
	let st;
	try {
		st = lstatSync(p);
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // removed while we walked (PGlite's temporary files)
		throw e;
	}
	if (st.isSymbolicLink()) return; // chmod would follow it out of the folder
	if ((st.mode & 0o077) !== 0) chmodSync(p, st.mode & 0o700);
	if (st.isDirectory()) for (const name of readdirSync(p)) ownerOnly(path.join(p, name));
}

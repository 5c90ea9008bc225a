import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The committed migrations: the nearest `drizzle/` folder above this module, found from where the code
 * lives rather than from the working directory, so the hub starts from any folder. In a checkout (vite
 * dev, specs, scripts) that is the repository's; in the production build, whose server code lives under
 * `build/server/`, it is the copy `npm run build` puts in `build/drizzle/` (scripts/copy-migrations.js).
 */
export function findMigrations(from = fileURLToPath(import.meta.url)): string {
	for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
		const folder = path.join(dir, 'drizzle');
		if (existsSync(path.join(folder, 'meta', '_journal.json'))) return folder;
		if (path.dirname(dir) === dir) throw new Error(`no drizzle/meta/_journal.json in any folder above ${from}`);
	}
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'drizzle-kit';
import { loadConfig } from './src/lib/server/config';

// `npm run db:migrate` and `db:studio` open the database the hub would: DATABASE_URL, else the embedded
// PGlite in EXOSTACK_DATA_DIR (stop the hub first: a PGlite folder belongs to one process at a time),
// from the environment or the configuration file, as the hub reads them.
const { databaseUrl: url, dataDir } = loadConfig();
const pglite = path.join(dataDir, 'pglite');
// PGlite creates its own folder but not the ones above it; the hub makes them on start, and so do these commands.
if (!url && ['migrate', 'studio'].some((command) => process.argv.includes(command))) mkdirSync(path.dirname(pglite), { recursive: true });

export default defineConfig({
	dialect: 'postgresql',
	schema: './src/lib/server/db/schema/index.ts',
	out: './drizzle',
	strict: true,
	verbose: true,
	...(url ? { dbCredentials: { url } } : { driver: 'pglite', dbCredentials: { url: pglite } })
});

// Puts the committed migrations in the build (build/drizzle/), where the hub finds them from its own code
// (src/lib/server/db/migrations-folder.ts): the built hub then needs no checkout beside it and starts
// from any working directory.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../drizzle', import.meta.url));
const to = fileURLToPath(new URL('../build/drizzle', import.meta.url));
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });

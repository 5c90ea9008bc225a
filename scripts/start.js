// `npm start`: builds the app only when its sources changed since the last build (build-inputs.js),
// then runs the hub (server.js) in this same process, so signals reach it directly.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { staleBuild } from './build-inputs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const reason = staleBuild(root);
if (reason) {
	console.log(`exostack: building the app first: ${reason}`);
	// npm sets npm_execpath to its own script when it runs this; `npm` on the PATH otherwise.
	const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
	const built = spawnSync(npm[0], [...npm.slice(1), 'run', 'build'], { cwd: root, stdio: 'inherit' });
	if (built.status !== 0) process.exit(built.status ?? 1);
}
await import('../server.js');

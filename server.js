// The hub's production entry: SvelteKit's handler and Socket.IO on one HTTP server.
// `npm start` builds the app when its sources changed (scripts/start.js), then runs this; a container runs it directly. PORT (default 8000) and HOST choose where it listens.
// What guards the server (timeouts, connection caps, headers, Host checks) is in src/lib/server/http/edge/.
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The API enforces its own body limit with a JSON error; adapter-node's lower default would answer 413 in plain text first.
process.env.BODY_SIZE_LIMIT ??= 'Infinity';
// Whatever this process writes (data folder, model store, PGlite) is its user's alone; see src/lib/server/data-dir.ts.
process.umask(0o077);

// Importing the handler runs SvelteKit's init hook, which starts the hub (database, migrations, demo model).
const { handler } = await import('./build/handler.js');
const runtime = globalThis[Symbol.for('exostack.runtime')];
const hub = await runtime.hub;

const server = await runtime.createServer((req, res) => {
	if (!servePrecompressed(req, res)) handler(req, res);
});
await runtime.attach(server);

const { port, host, publicUrl, dataDir } = hub.config;
// The token is a secret: printed once, on the start that generated it, never when the operator chose it.
const tokenLine = {
	generated: `${hub.apiToken} (new; kept in ${path.join(dataDir, 'api-token')})`,
	file: `in ${path.join(dataDir, 'api-token')}`,
	environment: 'from EXOSTACK_API_TOKEN'
}[hub.apiTokenSource];
server.listen(port, host, () => {
	const base = publicUrl ?? `http://localhost:${server.address().port}`;
	console.log(`ExoStack hub listening on ${base} (${hub.database.kind} database)`);
	console.log(`  volunteer:  ${base}/volunteer`);
	console.log(`  submit:     ${base}/jobs/new`);
	console.log(`  API token:  ${tokenLine}`);
});

// A clean stop (src/lib/server/shutdown/stop-serving.ts): no new connections, volunteers' leases back in
// the queue, in-flight requests answered, then exit 0. EXOSTACK_SHUTDOWN_SECONDS bounds it: past that, or
// on a second signal, the process exits 1 at once (an orchestrator would SIGKILL it soon after anyway).
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		if (closing) process.exit(1);
		closing = true;
		setTimeout(() => {
			console.error(`exostack: shutdown took over ${hub.config.shutdownMs / 1000} s; exiting anyway`);
			process.exit(1);
		}, hub.config.shutdownMs).unref();
		runtime.shutDown(server).then(
			() => process.exit(0),
			(e) => {
				console.error('exostack: shutdown failed:', e);
				process.exit(1);
			}
		);
	});
}

// Beside this file, not in the working directory: the hub may be started from any folder.
const immutable = fileURLToPath(new URL('./build/client/_app/immutable', import.meta.url));
const types = {
	'.wasm': 'application/wasm',
	'.js': 'text/javascript',
	'.mjs': 'text/javascript',
	'.css': 'text/css',
	'.svg': 'image/svg+xml',
	'.json': 'application/json'
};

/** Serves the .br/.gz that scripts/compress-assets.js wrote beside an immutable asset, when the browser takes it. */
function servePrecompressed(req, res) {
	if (req.method !== 'GET' || !req.url.startsWith('/_app/immutable/') || req.headers.range) return false;
	const rel = decodeURIComponent(req.url.split('?')[0].slice('/_app/immutable/'.length));
	const file = path.join(immutable, rel);
	if (!file.startsWith(immutable + path.sep) || !types[path.extname(file)]) return false;
	const accepted = req.headers['accept-encoding'] ?? '';
	for (const [encoding, ext] of [
		['br', '.br'],
		['gzip', '.gz']
	]) {
		if (!accepted.includes(encoding)) continue;
		const size = statSync(file + ext, { throwIfNoEntry: false })?.size;
		if (size === undefined) continue;
		res.writeHead(200, {
			'content-type': types[path.extname(file)],
			'content-encoding': encoding,
			'content-length': size,
			'cache-control': 'public, max-age=31536000, immutable',
			vary: 'accept-encoding'
		});
		createReadStream(file + ext).pipe(res);
		return true;
	}
	return false;
}

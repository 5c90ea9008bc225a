// The hub's production entry: SvelteKit's handler and Socket.IO on one HTTP server.
// `npm start` builds the app, then runs this. PORT (default 8000) and HOST choose where it listens.
import http from 'node:http';

// The API enforces its own body limit with a JSON error; adapter-node's lower default would answer 413 in plain text first.
process.env.BODY_SIZE_LIMIT ??= 'Infinity';

// Importing the handler runs SvelteKit's init hook, which starts the hub (database, migrations, demo model).
const { handler } = await import('./build/handler.js');
const runtime = globalThis[Symbol.for('exostack.runtime')];
const hub = await runtime.hub;

const server = http.createServer((req, res) => {
	for (const [name, value] of Object.entries(runtime.headers)) res.setHeader(name, value);
	handler(req, res);
});
await runtime.attach(server);

const { port, host } = hub.config;
server.listen(port, host, () => {
	const base = `http://localhost:${server.address().port}`;
	console.log(`ExoStack hub listening on ${base} (${hub.database.kind})`);
	console.log(`  volunteer:  ${base}/volunteer`);
	console.log(`  submit:     ${base}/jobs/new`);
	console.log(`  API token:  ${hub.apiToken}`);
});

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, async () => {
		if (closing) process.exit(1);
		closing = true;
		server.close();
		await hub.stop().catch(() => {});
		process.exit(0);
	});
}

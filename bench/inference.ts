/**
 * bench/inference: one MiniLM-sized encoder (all-MiniLM-L6-v2's shape, generated) and one set of
 * sentences, measured side by side in one run on
 *   A. onnxruntime-node (native), T threads;
 *   B. onnxruntime-web WASM in headless Chromium, T threads, one tab, no hub;
 *   B2. the same in two tabs at once, T/2 threads each, half the inputs each (the anchor for C);
 *   C. the production hub with two browser volunteer tabs (WASM, T/2 threads each).
 * Prints throughput and the ratios: browser/native (target ≥ 0.5) and hub overhead 1 − C/B2
 * (target ≤ 5 % for tasks of 50 ms or more).
 *
 *   npm run build && npx tsx bench/inference.ts [--inputs 256] [--chunk 16] [--threads <cores>]
 */
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import * as ortNode from 'onnxruntime-node';
import { io } from 'socket.io-client';
import { EmbeddingExecutor } from '../src/lib/executor/embedding-executor';
import type { OrtRuntime } from '../src/lib/executor/ort-runtime';
import type { EmbeddingConfig } from '../src/lib/protocol/models';
import { writeModelFolder } from '../src/lib/server/models/demo/write-model-folder';
import { api, startHubProcess, tempDir } from '../tests/harness/hub-process';
import { launchChromium } from '../tests/harness/chromium';
import { crossOriginIsolation } from '../src/lib/server/http/isolation';

const { values } = parseArgs({ options: { inputs: { type: 'string', default: '256' }, chunk: { type: 'string', default: '16' }, threads: { type: 'string' } } });
const N = Number(values.inputs);
const CHUNK = Number(values.chunk);
const T = Number(values.threads ?? os.availableParallelism());
const HALF = Math.max(1, Math.floor(T / 2));
const CONFIG: EmbeddingConfig = { pooling: 'none', normalize: true, maxLength: 512, dimensions: 384, output: 'sentence_embedding' };
const WORDS = 'the quick brown fox jumps over a lazy dog while people read books about science music history and the weather in the mountains'.split(' ');
const inputs = Array.from({ length: N }, (_, i) => Array.from({ length: 12 + (i % 17) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' '));

const modelDir = tempDir('exostack-bench-minilm-');
await writeModelFolder(modelDir, { layout: 'pooled', size: 'minilm' });
const file = (rel: string) => readFileSync(path.join(modelDir, rel));
const log = (s: string) => console.log(s);
log(`model: MiniLM-L6-sized encoder (384 wide, 6 layers, 30522 vocab), ${N} sentences of 12–28 words, ${os.availableParallelism()} cores, load average ${os.loadavg()[0].toFixed(1)}`);

async function native(): Promise<number> {
	const ex = await EmbeddingExecutor.create(ortNode as unknown as OrtRuntime, { model: file('onnx/model.onnx'), tokenizer: JSON.parse(String(file('tokenizer.json'))), tokenizerConfig: JSON.parse(String(file('tokenizer_config.json'))) }, CONFIG, { intraOpNumThreads: T });
	await ex.embed(inputs.slice(0, 8));
	const times = [];
	for (let r = 0; r < 2; r++) {
		const t0 = performance.now();
		for (let i = 0; i < N; i += 8) await ex.embed(inputs.slice(i, i + 8));
		times.push(performance.now() - t0);
	}
	await ex.release();
	return Math.min(...times);
}

/** The bench page: runs the bundled entry in a module worker, as the volunteer page runs its inference worker. */
const PAGE = `<!doctype html><script type="module">
const worker = new Worker('/entry.js', { type: 'module' });
const ask = (msg) => new Promise((resolve, reject) => {
	worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve({ ...e.data, isolated: crossOriginIsolated }));
	worker.postMessage(msg);
});
globalThis.bench = { load: (threads, config) => ask({ op: 'load', threads, config }), run: (part, repeats) => ask({ op: 'run', part, repeats }) };
</script>`;

/** A static server for the bench page: the bundled entry, ORT's files and the model, cross-origin isolated. */
async function benchServer() {
	const outdir = tempDir('exostack-bench-web-');
	await esbuild.build({ entryPoints: ['bench/browser-entry.ts'], bundle: true, format: 'esm', outfile: path.join(outdir, 'entry.js'), logLevel: 'error' });
	const ortDir = path.resolve('node_modules/onnxruntime-web/dist');
	const server = createServer((req, res) => {
		const url = (req.url ?? '/').split('?')[0];
		const [root, rel] = url.startsWith('/ort/') ? [ortDir, url.slice(5)] : url.startsWith('/model/') ? [modelDir, url.slice(7)] : [outdir, url === '/' ? 'index.html' : url.slice(1)];
		const type = rel.endsWith('.wasm') ? 'application/wasm' : /\.m?js$/.test(rel) ? 'text/javascript' : rel.endsWith('.html') ? 'text/html' : 'application/octet-stream';
		try {
			const body = rel === 'index.html' ? PAGE : readFileSync(path.join(root, path.normalize(rel)));
			res.writeHead(200, { 'content-type': type, ...crossOriginIsolation }).end(body);
		} catch {
			res.writeHead(404).end();
		}
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() };
}

async function browserRun(tabs: number, threads: number): Promise<number> {
	const server = await benchServer();
	const browser = await launchChromium({ webgpu: false });
	try {
		const pages = await Promise.all(Array.from({ length: tabs }, () => browser.newPage()));
		type Bench = { bench: { load(t: number, c: EmbeddingConfig): Promise<{ isolated: boolean }>; run(p: string[], r: number): Promise<{ ms: number }> } };
		await Promise.all(pages.map((p) => p.goto(server.url).then(() => p.waitForFunction(() => 'bench' in globalThis))));
		const loaded = await Promise.all(pages.map((p) => p.evaluate(({ threads, config }) => (globalThis as unknown as Bench).bench.load(threads, config), { threads, config: CONFIG })));
		const share = Math.ceil(N / tabs);
		const t0 = performance.now();
		const runs = await Promise.all(
			pages.map((p, k) =>
				p.evaluate(({ part, repeats }) => (globalThis as unknown as Bench).bench.run(part, repeats), { part: inputs.slice(k * share, (k + 1) * share), repeats: tabs === 1 ? 2 : 1 })
			)
		);
		const wall = performance.now() - t0;
		if (!loaded.every((r) => r.isolated)) throw new Error('the bench page is not cross-origin isolated: no threads');
		// One tab: its best pass. Several: they ran at once, from one start, so the wall time counts.
		return tabs === 1 ? runs[0].ms : wall;
	} finally {
		await browser.close();
		server.close();
	}
}

async function throughHub(): Promise<{ ms: number; medianTaskMs: number; computeMs: number }> {
	const hub = await startHubProcess({ env: { EXOSTACK_DEMO_MODELS: 'off' } });
	const browser = await launchChromium({ webgpu: false });
	try {
		const imported = await api(hub, '/api/models', { method: 'POST', json: { path: modelDir, id: 'bench-minilm' } });
		if (imported.status !== 201) throw new Error(await imported.text());
		const tabs = await Promise.all([browser.newPage(), browser.newPage()]);
		await Promise.all(tabs.map((t) => t.goto(`${hub.url}/volunteer?mode=always&backend=wasm&threads=${HALF}&max_tasks=1`)));
		const job = async (input: string[]) => {
			const res = await api(hub, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: 'bench-minilm', input, chunk_size: CHUNK } });
			const { task_id } = (await res.json()) as { task_id: string };
			return task_id;
		};
		const done = (id: string) =>
			new Promise<number>((resolve) => {
				const socket = io(`${hub.url}/dashboard`, { transports: ['websocket'] });
				socket.on('connect', () => socket.emit('job:watch', { jobId: id }, () => {}));
				socket.on('job:update', (u: { status: string }) => {
					if (u.status === 'completed') {
						socket.close();
						resolve(performance.now());
					}
				});
			});
		// Warm-up: both tabs download and load the model.
		const warm = await job(inputs.slice(0, CHUNK * 4));
		await done(warm);
		const t0 = performance.now();
		const id = await job(inputs);
		const end = await done(id);
		const tasks = (await (await api(hub, `/api/jobs/${id}/tasks`)).json()) as { duration_ms: number }[];
		const durations = tasks.map((t) => t.duration_ms).sort((a, b) => a - b);
		return { ms: end - t0, medianTaskMs: durations[durations.length >> 1], computeMs: durations.reduce((a, b) => a + b, 0) };
	} finally {
		await browser.close();
		await hub.stop();
	}
}

const a = await native();
log(`A  onnxruntime-node, ${T} threads:                ${(N / (a / 1000)).toFixed(1)} sentences/s (${a.toFixed(0)} ms)`);
const b = await browserRun(1, T);
log(`B  onnxruntime-web WASM, Chromium, ${T} threads:   ${(N / (b / 1000)).toFixed(1)} sentences/s (${b.toFixed(0)} ms)`);
const b2 = await browserRun(2, HALF);
log(`B2 two tabs × ${HALF} thread(s), no hub:           ${(N / (b2 / 1000)).toFixed(1)} sentences/s (${b2.toFixed(0)} ms)`);
const c = await throughHub();
log(`C  hub + two volunteer tabs × ${HALF} thread(s):    ${(N / (c.ms / 1000)).toFixed(1)} sentences/s (${c.ms.toFixed(0)} ms; median task ${c.medianTaskMs.toFixed(0)} ms, ${CHUNK} sentences)`);
const ratio = a / b;
const overhead = 1 - b2 / c.ms;
// The volunteers' own account: time they spent computing tasks against the time two of them were available.
const idle = 1 - c.computeMs / (2 * c.ms);
log(`browser WASM / native: ${ratio.toFixed(2)}× (target ≥ 0.5×)`);
log(`hub overhead (1 − C/B2 throughput): ${(overhead * 100).toFixed(1)} % (target ≤ 5 % for tasks ≥ 50 ms)`);
log(`volunteer time outside tasks in C (1 − Σ task time / (2 × wall)): ${(idle * 100).toFixed(1)} %`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/inference.json', JSON.stringify({ when: new Date().toISOString(), cores: os.availableParallelism(), N, CHUNK, T, nativeMs: a, browserMs: b, twoTabsMs: b2, hub: c, ratio, overhead, idle, loadavg: os.loadavg()[0] }, null, 2));
process.exit(0);

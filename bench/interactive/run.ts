/**
 * Interactive bench (issue 14): what the hub adds to a synchronous request over the volunteer's own
 * compute time, with batch work running and without, side by side in one run. One hub process on
 * PostgreSQL, headless volunteers (the real work loop and TaskRunner on onnxruntime-node) in this
 * process; N sequential one-input `/v1/embeddings` calls and N streamed `/v1/chat/completions` calls per
 * phase (`--parallel P`: P at a time, as several clients would send them). Anchor: the same embedding
 * computed directly by onnxruntime-node here (the compute floor).
 * Phases: no batch; batch running; and batch running again with the volunteers' process at nice 19, so
 * their compute (on their own machines in a deployment) stops taking this machine's two cores from the
 * hub and PostgreSQL: what the hub itself adds, apart from co-located volunteers.
 *
 *   npx tsx bench/interactive/run.ts [--requests 40] [--parallel 1] [--volunteers 2] [--batch 8000] [--chunk 8] [--max-tokens 8] [--pg-latency MS] [--trace]
 *
 * --pg-latency MS: the hub reaches PostgreSQL through a relay adding MS of round trip, as a database on
 * another machine (bench/dispatch/latency-relay.ts).
 * --trace: the hub traces each job (EXOSTACK_TRACING=on) to a collector in this process, and the report adds
 * where the added latency went by the hub's own spans: the job's submit (the lane claim it rides in
 * included), the claim, and the result's hand-in. Tracing costs the hub a little: compare figures of runs
 * alike.
 * Needs the production build (npm run build) and PostgreSQL (EXOSTACK_TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { api, startHubProcess, tempDir, type HubProcess } from '../../tests/harness/hub-process';
import { freshDatabase } from '../../tests/harness/postgres';
import { nodeReference } from '../../tests/harness/reference';
import { fmt, percentile } from '../dispatch/stats';
import { latencyRelay } from '../dispatch/latency-relay';
import { startVolunteers, type Volunteers } from './volunteers';
import { chatOnce, embedOnce, type Timed } from './requests';
import { attribute, durationMs, startCollector, type OtlpCollector, type OtlpSpan } from '../../tests/harness/otlp-collector';

const { values } = parseArgs({
	options: {
		requests: { type: 'string', default: '40' },
		parallel: { type: 'string', default: '1' },
		volunteers: { type: 'string', default: '2' },
		batch: { type: 'string', default: '8000' },
		chunk: { type: 'string', default: '8' },
		'max-tokens': { type: 'string', default: '8' },
		'pg-latency': { type: 'string', default: '0' },
		trace: { type: 'boolean', default: false }
	}
});
const N = Number(values.requests);
/** Requests of a kind sent at once. */
const P = Math.max(1, Number(values.parallel));
const EMBEDDER = 'demo-embedding';
const GENERATOR = 'demo-text-generation';
/** Issue 14's targets for the hub's added latency (end to end less the volunteer's compute), with batch work running. */
const TARGET = { p50: 20, p99: 100 };

/** A request with its task: `toStartMs` from sending it to the volunteer starting the task (queue, nudge, claim). */
type Measured = Timed & { taskId: number; computeMs: number; toStartMs: number };

interface Phase {
	embeddings: Measured[];
	chats: Measured[];
	load: number[];
	batchTasksDuring: number;
}

const db = await freshDatabase();
if (!db) throw new Error('the benchmark needs PostgreSQL');
const relay = Number(values['pg-latency']) > 0 ? await latencyRelay(db.url, Number(values['pg-latency'])) : null;
const collector = values.trace ? await startCollector() : null;
const hub = await startHubProcess({
	databaseUrl: relay?.url ?? db.url,
	dataDir: tempDir(),
	env: {
		EXOSTACK_MAX_INPUTS: values.batch,
		EXOSTACK_LOG_LEVEL: 'warn',
		...(collector && { EXOSTACK_TRACING: 'on', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '500' })
	}
});
let volunteers = startVolunteers(hub.url, Number(values.volunteers));
try {
	console.log(
		`interactive: ${N} one-input embeddings and ${N} streamed chat completions (max_tokens ${values['max-tokens']}) per phase, ` +
			(P > 1 ? `${P} of a kind at a time, ` : '') +
			`${values.volunteers} volunteers × 1 task, batch job ${values.batch} inputs in chunks of ${values.chunk}; ${os.cpus().length} cores` +
			(relay ? `; PostgreSQL ${values['pg-latency']} ms of round trip away` : '')
	);
	await warmUp(hub);
	const floor = await computeFloor(hub);
	const idle = await phase(hub, volunteers, 'idle');
	const busy = await withBatch(hub, volunteers, 'busy');
	// The same again with the volunteers' process at the lowest CPU priority: their compute, which in a
	// deployment runs on their own machines, then no longer takes this machine's cores from the hub.
	await volunteers.stop();
	volunteers = startVolunteers(hub.url, Number(values.volunteers), 19);
	await warmUp(hub);
	const apart = await withBatch(hub, volunteers, 'apart');
	report(floor, idle, busy, apart);
	if (collector) await reportSpans(collector, { 'no batch': idle, 'batch running': busy, 'batch running, volunteers at nice 19': apart });
} finally {
	await volunteers.stop();
	await hub.stop();
	relay?.close();
	collector?.close();
	await db.drop();
}

/** A phase with a batch job keeping every volunteer busy throughout; the run fails if the batch ends first. */
async function withBatch(hub: HubProcess, v: Volunteers, name: string): Promise<Phase> {
	const batchId = await startBatch(hub, v);
	const measured = await phase(hub, v, name);
	const batch = await (await api(hub, `/api/jobs/${batchId}`)).json();
	if (batch.status !== 'running') throw new Error(`the batch job was ${batch.status} before the ${name} phase ended: make --batch larger`);
	await api(hub, `/api/jobs/${batchId}/cancel`, { method: 'POST' });
	return measured;
}

/** Until both endpoints answer: volunteers connected, models downloaded and loaded. */
async function warmUp(hub: HubProcess) {
	for (let i = 0; ; i++) {
		const ok = await Promise.all([embedOnce(hub, EMBEDDER, `warm-e${i}#`), chatOnce(hub, GENERATOR, `warm-c${i}#`, 2)]).then(
			() => true,
			() => false
		);
		if (ok && i >= 3) return;
		if (!ok) await new Promise((r) => setTimeout(r, 500));
		if (i > 120) throw new Error('the volunteers never answered');
	}
}

/** The anchor: the same one-input embedding by onnxruntime-node in this process, no hub, no network. */
async function computeFloor(hub: HubProcess): Promise<number[]> {
	const executor = await nodeReference(hub.url, EMBEDDER);
	const times: number[] = [];
	try {
		for (let i = 0; i < N + 5; i++) {
			const t = performance.now();
			await executor.embed([`interactive request #floor-${i}#`]);
			if (i >= 5) times.push(performance.now() - t);
		}
	} finally {
		await executor.release();
	}
	return times;
}

async function startBatch(hub: HubProcess, v: Volunteers): Promise<string> {
	const before = v.tasksDone();
	const res = await api(hub, '/api/jobs', {
		method: 'POST',
		json: {
			task_type: 'embedding',
			model: EMBEDDER,
			input: Array.from({ length: Number(values.batch) }, (_, i) => `batch input ${i}, a sentence of ordinary length for the model`),
			chunk_size: Number(values.chunk)
		}
	});
	if (res.status !== 201) throw new Error(`batch job: ${res.status} ${await res.text()}`);
	const { job_id } = await res.json();
	// Every volunteer busy before measuring.
	while (v.tasksDone() < before + 2 * Number(values.volunteers)) await new Promise((r) => setTimeout(r, 50));
	return job_id;
}

async function phase(hub: HubProcess, v: Volunteers, name: string): Promise<Phase> {
	const load: number[] = [];
	const startDone = v.tasksDone();
	const embeddings = [];
	const chats = [];
	for (let i = 0; i < N; i += P) {
		const at = Array.from({ length: Math.min(P, N - i) }, (_, k) => i + k);
		embeddings.push(...(await Promise.all(at.map(async (j) => withCompute(v, await embedOnce(hub, EMBEDDER, `#${name}-e${j}#`))))));
		chats.push(
			...(await Promise.all(
				at.map(async (j) => withCompute(v, await chatOnce(hub, GENERATOR, `#${name}-c${j}#`, Number(values['max-tokens']))))
			))
		);
		load.push(os.loadavg()[0]);
	}
	return { embeddings, chats, load, batchTasksDuring: v.tasksDone() - startDone - 2 * N };
}

/** The volunteer hands its result in before the hub answers, but tells its listener after: wait for it briefly. */
async function withCompute(v: Volunteers, t: Timed): Promise<Measured> {
	for (let i = 0; i < 100; i++) {
		const task = v.task(t.tag);
		if (task) return { ...t, taskId: task.taskId, computeMs: task.computeMs, toStartMs: task.startedAt - t.sentAt };
		await new Promise((r) => setTimeout(r, 10));
	}
	throw new Error(`no compute time recorded for ${t.tag}`);
}

/** Requests whose added latency passed the p99 target: which one of its phase (its place in the sequence) and where the time went. */
function outliers(what: string, rows: Measured[]): string[] {
	return rows.flatMap((r, i) => {
		const addedMs = r.e2eMs - r.computeMs;
		if (addedMs <= TARGET.p99) return [];
		return [`${what} #${i} ${fmt(addedMs)} ms (${fmt(r.toStartMs)} until it started, ${fmt(r.e2eMs - r.toStartMs - r.computeMs)} after)`];
	});
}

function report(floor: number[], idle: Phase, busy: Phase, apart: Phase) {
	const pp = (xs: number[]) => `p50 ${fmt(percentile(xs, 50))} ms, p99 ${fmt(percentile(xs, 99))} ms`;
	const added = (rows: Measured[]) => rows.map((r) => r.e2eMs - r.computeMs);
	// Where the added latency goes: before the volunteer starts the task, and after it finishes.
	const split = (rows: Measured[]) =>
		`until the volunteer starts ${pp(rows.map((r) => r.toStartMs))}; after its compute ${pp(rows.map((r) => r.e2eMs - r.toStartMs - r.computeMs))}`;
	console.log(`  anchor: onnxruntime-node in the bench process, one input: ${pp(floor)}`);
	for (const [name, p] of [
		['no batch', idle],
		['batch running', busy],
		["batch running, volunteers at nice 19 (their compute off the hub's cores, as on their own machines)", apart]
	] as const) {
		console.log(
			`  ${name} (load average ${fmt(Math.min(...p.load), 2)}–${fmt(Math.max(...p.load), 2)}; ${p.batchTasksDuring} other tasks done meanwhile)`
		);
		console.log(
			`    embeddings  end to end ${pp(p.embeddings.map((r) => r.e2eMs))}; volunteer compute ${pp(p.embeddings.map((r) => r.computeMs))}`
		);
		console.log(`                hub's added latency ${pp(added(p.embeddings))}`);
		console.log(`                of which ${split(p.embeddings)}`);
		console.log(
			`    chat        time to first token ${pp(p.chats.map((r) => r.ttftMs!))}; end to end ${pp(p.chats.map((r) => r.e2eMs))}; volunteer compute ${pp(p.chats.map((r) => r.computeMs))}`
		);
		console.log(`                hub's added latency (end to end less compute) ${pp(added(p.chats))}`);
		console.log(`                of which ${split(p.chats)}`);
		const slow = [...outliers('embedding', p.embeddings), ...outliers('chat', p.chats)];
		if (slow.length > 0) console.log(`    over ${TARGET.p99} ms added: ${slow.join('; ')}`);
	}
	for (const [what, xs] of [
		['embedding', added(busy.embeddings)],
		['chat', added(busy.chats)],
		['embedding (volunteers at nice 19)', added(apart.embeddings)],
		['chat (volunteers at nice 19)', added(apart.chats)]
	] as const) {
		const verdict = (p: 50 | 99, target: number) => {
			const v = percentile(xs, p);
			return v <= target ? `p${p} ${fmt(v)} ms ≤ ${target} ms: met` : `p${p} ${fmt(v)} ms > ${target} ms: MISSED by ${fmt(v - target)} ms`;
		};
		console.log(`  target, ${what} added latency with batch running: ${verdict(50, TARGET.p50)}; ${verdict(99, TARGET.p99)}`);
	}
}

/**
 * Where each phase's added latency went by the hub's own spans (--trace), p50 over the phase's requests of a
 * kind: the job's submit (quota, plan, and storing it, which on the lane rides in its taker's claim), the
 * claim that leased it, the hand-in of its result, and what no span covers (the HTTP request and answer,
 * the offer's and the result's trips over Socket.IO, the volunteer's own steps).
 */
async function reportSpans(collector: OtlpCollector, phases: Record<string, Phase>) {
	const rows = Object.values(phases).flatMap((p) => [...p.embeddings, ...p.chats]);
	const byTask = (name: string) => {
		const found = new Map<number, OtlpSpan>();
		for (const s of collector.spans) if (s.name === name) found.set(Number(attribute(s, 'exostack.task.id')), s);
		return found;
	};
	// Spans leave the hub in batches: wait until every measured task's lease and result have arrived.
	for (let waited = 0; ; waited += 250) {
		const [leases, results] = [byTask('task.lease'), byTask('task.result')];
		if (rows.every((r) => leases.has(r.taskId) && results.has(r.taskId))) break;
		if (waited > 20_000) throw new Error('the hub did not export a span for every measured task');
		await new Promise((r) => setTimeout(r, 250));
	}
	const [leases, results] = [byTask('task.lease'), byTask('task.result')];
	const submits = new Map(collector.spans.filter((s) => s.name === 'job.submit').map((s) => [String(attribute(s, 'exostack.job.id')), s]));
	const p50 = (xs: number[]) => fmt(percentile(xs, 50));
	console.log("  where the hub's added latency went, by its own spans (p50 ms; the job's submit includes a lane claim it rode in):");
	for (const [name, p] of Object.entries(phases))
		for (const [what, measured] of [
			['embeddings', p.embeddings],
			['chat', p.chats]
		] as const) {
			const spans = measured.map((r) => {
				const lease = leases.get(r.taskId)!;
				return { submit: submits.get(String(attribute(lease, 'exostack.job.id')))!, lease, result: results.get(r.taskId)! };
			});
			const submit = spans.map((s) => durationMs(s.submit));
			const claim = spans.map((s) => durationMs(s.lease));
			const handIn = spans.map((s) => durationMs(s.result));
			// A claim the job did not ride in (its volunteer asked on the lane) is time of its own.
			const rest = measured.map(
				(r, i) => r.e2eMs - r.computeMs - submit[i] - handIn[i] - (within(spans[i].lease, spans[i].submit) ? 0 : claim[i])
			);
			console.log(
				`    ${name}, ${what}: job submit ${p50(submit)} (its claim ${p50(claim)}); result hand-in ${p50(handIn)}; outside these spans ${p50(rest)}`
			);
		}
}

/** Whether span `a` ran within span `b`. */
function within(a: OtlpSpan, b: OtlpSpan): boolean {
	return BigInt(a.startTimeUnixNano) >= BigInt(b.startTimeUnixNano) && BigInt(a.endTimeUnixNano) <= BigInt(b.endTimeUnixNano);
}

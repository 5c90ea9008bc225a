/**
 * What an operator watches, on the production hub (`node server.js`): its stdout is JSON log lines that
 * carry the job, task and volunteer of each event; EXOSTACK_LOG_LEVEL leaves out what is below it; with
 * EXOSTACK_TRACING=on each job's trace reaches an OTLP/HTTP collector (an HTTP server of this test's own);
 * and every metric the Grafana dashboard in deploy/grafana/ plots is one the hub's /metrics exposes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, TEST_TOKEN, type HubProcess } from '../harness/hub-process';
import { metricNamesOf } from '../harness/promql';
import { attribute, startCollector } from '../harness/otlp-collector';

type LogLine = Record<string, unknown> & { level: string; time: string; msg: string };

/** The hub's stdout as log objects: every line that is not the human start banner must be one. */
function logLines(stdout: string): LogLine[] {
	const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
	return lines.map((l) => JSON.parse(l) as LogLine);
}

function startCli(hubUrl: string) {
	const identity = path.join(tempDir(), 'identity');
	const child = spawn(process.execPath, ['bin/exostack.js', 'volunteer', '--hub', hubUrl, '--identity-file', identity, '--threads', '1'], {
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	return { child, output: () => output };
}

async function stop(child: ChildProcess) {
	if (child.exitCode !== null) return;
	const exited = new Promise((r) => child.once('exit', r));
	child.kill('SIGTERM');
	await exited;
}

async function submit(hub: HubProcess, inputs: string[]): Promise<string> {
	const res = await api(hub, '/api/jobs', {
		method: 'POST',
		json: { task_type: 'embedding', model: 'demo-embedding', input: inputs, chunk_size: 2 }
	});
	expect(res.status).toBe(201);
	return (await res.json()).job_id;
}

/** Every series name the hub's Prometheus text can carry, from its `# TYPE` lines (a histogram's as _bucket, _sum, _count). */
function exposedNames(text: string): Set<string> {
	const names = new Set<string>();
	for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
		const [, name, type] = m;
		names.add(name);
		if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
	}
	return names;
}

interface Panel {
	type: string;
	title: string;
	datasource?: { type: string; uid: string };
	targets?: { expr: string; refId: string; datasource: { type: string; uid: string } }[];
	gridPos: { h: number; w: number; x: number; y: number };
	id: number;
}

describe('observability of the production hub', () => {
	let collector: Awaited<ReturnType<typeof startCollector>>;
	let hub: HubProcess;
	beforeAll(async () => {
		collector = await startCollector();
		hub = await startHubProcess({
			env: {
				EXOSTACK_LOG_LEVEL: 'debug',
				EXOSTACK_TRACING: 'on',
				OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
				OTEL_BSP_SCHEDULE_DELAY: '200'
			}
		});
	});
	afterAll(async () => {
		await hub?.stop();
		collector?.close();
	});

	it('logs a job computed by a volunteer as JSON lines carrying its job, task and volunteer ids, and traces it', async () => {
		const cli = startCli(hub.url);
		try {
			await expect.poll(() => cli.output(), { timeout: 60_000 }).toMatch(/as volunteer ([0-9a-f-]{36})/);
			const volunteerId = /as volunteer ([0-9a-f-]{36})/.exec(cli.output())![1];
			const jobId = await submit(hub, ['one fish', 'two fish', 'red fish', 'blue fish']);
			await expect
				.poll(async () => (await (await api(hub, `/api/jobs/${jobId}`)).json()).status, { timeout: 90_000, interval: 250 })
				.toBe('completed');
			await expect.poll(() => logLines(hub.stdout()).some((l) => l.msg === 'job completed'), { timeout: 10_000 }).toBe(true);

			const lines = logLines(hub.stdout());
			for (const l of lines) {
				expect(l).toMatchObject({ level: expect.any(String), msg: expect.any(String), pid: hub.child.pid });
				expect(new Date(l.time).toISOString()).toBe(l.time);
			}
			expect(lines.find((l) => l.msg === 'hub started')).toMatchObject({
				level: 'info',
				db: 'pglite',
				migrations: expect.any(Number),
				tracing: true
			});
			const ofJob = lines.filter((l) => l.job_id === jobId);
			// The hub's own events carry its id (a process serves one hub; a line from code without a hub at hand has the pid).
			expect(new Set(ofJob.map((l) => l.hub_id)).size).toBe(1);
			expect(ofJob[0].hub_id).toMatch(/^[0-9a-f-]{36}$/);
			expect(ofJob.find((l) => l.msg === 'job submitted')).toMatchObject({
				level: 'info',
				submitter: 'admin',
				inputs: 4,
				model: 'demo-embedding'
			});
			expect(ofJob.find((l) => l.msg === 'job completed')).toMatchObject({ level: 'info', status: 'completed' });
			// Two chunks of two inputs: each leased to the volunteer and its result accepted, at debug.
			const leased = ofJob.filter((l) => l.msg === 'task leased');
			const accepted = ofJob.filter((l) => l.msg === 'result accepted');
			expect(leased.map((l) => l.task_id).sort()).toEqual(accepted.map((l) => l.task_id).sort());
			expect(new Set(leased.map((l) => l.task_id)).size).toBe(2);
			for (const l of [...leased, ...accepted])
				expect(l).toMatchObject({ level: 'debug', volunteer_id: volunteerId, task_id: expect.any(Number) });
			// The admin token never reaches the log.
			expect(hub.stdout()).not.toContain(TEST_TOKEN);

			// The trace: its id is the job's, from the submission through each lease to each result and the end.
			const trace = jobId.replace(/-/g, '');
			await expect
				.poll(() => collector.spans.filter((s) => s.traceId === trace && s.name === 'job.finish').length, { timeout: 30_000 })
				.toBe(1);
			const spans = collector.spans.filter((s) => s.traceId === trace);
			const submitSpan = spans.find((s) => s.name === 'job.submit')!;
			expect(attribute(submitSpan, 'exostack.job.id')).toBe(jobId);
			const leaseSpans = spans.filter((s) => s.name === 'task.lease');
			expect(leaseSpans).toHaveLength(2);
			for (const l of leaseSpans) {
				expect(l.parentSpanId).toBe(submitSpan.spanId);
				expect(attribute(l, 'exostack.volunteer.id')).toBe(volunteerId);
			}
			const resultSpans = spans.filter((s) => s.name === 'task.result');
			expect(resultSpans.map((r) => r.parentSpanId).sort()).toEqual(leaseSpans.map((l) => l.spanId).sort());
		} finally {
			await stop(cli.child);
		}
	});

	it('exposes every metric the Grafana dashboard plots, and the dashboard is one Grafana imports', async () => {
		const dashboard = JSON.parse(readFileSync('deploy/grafana/exostack-dashboard.json', 'utf8'));
		expect(dashboard).toMatchObject({ schemaVersion: expect.any(Number), title: 'ExoStack', uid: expect.any(String) });
		const variables = dashboard.templating.list as { name: string; type: string; query: unknown }[];
		expect(variables).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
		const panels = dashboard.panels as Panel[];
		expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
		const plotted = panels.filter((p) => p.type !== 'row');
		expect(plotted.length).toBeGreaterThanOrEqual(10);
		const used = new Set<string>();
		for (const p of plotted) {
			expect(p.gridPos, p.title).toMatchObject({
				h: expect.any(Number),
				w: expect.any(Number),
				x: expect.any(Number),
				y: expect.any(Number)
			});
			expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
			expect(p.targets?.length, p.title).toBeGreaterThan(0);
			for (const t of p.targets!) {
				expect(t.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
				const names = metricNamesOf(t.expr);
				expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
				for (const n of names) used.add(n);
			}
		}
		// The metrics the issue names are all on it.
		for (const n of [
			'exostack_results_total',
			'exostack_tasks',
			'exostack_volunteer_sockets',
			'exostack_claim_seconds_bucket',
			'exostack_lease_expiries_total'
		])
			expect(used).toContain(n);
		const exposed = exposedNames(await (await fetch(`${hub.url}/metrics`)).text());
		expect([...used].filter((n) => !exposed.has(n))).toEqual([]);
	});

	it('reports the queue depth read from the database at /metrics', async () => {
		const metrics = async () => (await fetch(`${hub.url}/metrics`)).text();
		/** The queue's lines, as one string a failed match shows whole. */
		const queue = async () =>
			(await metrics())
				.split('\n')
				.filter((l) => /^exostack_(tasks|jobs)\{/.test(l))
				.join('; ');
		// The volunteer is gone (no one leases what follows).
		await expect.poll(metrics, { timeout: 10_000, interval: 300 }).toMatch(/^exostack_volunteer_sockets 0$/m);
		// What already waits: a lazy check of the last job (EXOSTACK_LAZY_CHECK_RATE, one chance in 20 a
		// result) queues a replica its only volunteer may not take.
		const before = Number(/exostack_tasks\{state="queued"\} (\d+)/.exec(await queue())?.[1] ?? 0);
		const jobId = await submit(hub, ['a', 'b', 'c', 'd', 'e', 'f']);
		const queued = (n: number) => new RegExp(`exostack_tasks\\{state="queued"\\} ${n}(;|$)`);
		// The three chunks wait, and their job with them (the gauges are read at most once a second).
		await expect.poll(queue, { timeout: 10_000, interval: 300 }).toMatch(queued(before + 3));
		const text = await metrics();
		expect(text).toMatch(/^exostack_jobs\{status="queued"\} 1$/m);
		expect(text).toMatch(/^exostack_jobs_submitted_total 2$/m);
		expect((await api(hub, `/api/jobs/${jobId}/cancel`, { method: 'POST' })).status).toBe(200);
		await expect.poll(queue, { timeout: 10_000, interval: 300 }).toMatch(queued(before));
		expect(await metrics()).toMatch(/^exostack_jobs_finished_total\{status="cancelled"\} 1$/m);
	});
});

describe('EXOSTACK_LOG_LEVEL', () => {
	it('at warn, leaves out the info lines a hub writes when it starts and takes a job', async () => {
		const quiet = await startHubProcess({ env: { EXOSTACK_LOG_LEVEL: 'warn' } });
		try {
			await submit(quiet, ['unseen']);
		} finally {
			await quiet.stop();
		}
		const lines = logLines(quiet.stdout());
		expect(lines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]);
		// The same hub at the default level writes both (the first test saw them at debug).
		const loud = await startHubProcess();
		try {
			await submit(loud, ['seen']);
		} finally {
			await loud.stop();
		}
		expect(logLines(loud.stdout()).map((l) => l.msg)).toEqual(expect.arrayContaining(['hub started', 'job submitted']));
	});
});

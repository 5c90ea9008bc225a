/**
 * Traces of a job's life, recorded by a real hub in this process (PGlite, Socket.IO, a socket.io-client
 * volunteer) into OpenTelemetry's InMemorySpanExporter; and the OTLP/HTTP export operators use, received
 * by an HTTP server of the test's own.
 */
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { nodeCapabilities } from '../../headless/headless-volunteer';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from '../realtime/testing';
import { jobSpanId, jobTraceId, leaseSpanId } from './trace-ids';
import { startTracing } from './tracing';
import { createLogger } from '../log';
import { cancelJob } from '../scheduler/cancel-job';

/** A logger into an array of parsed lines. */
function capture() {
	const lines: Record<string, unknown>[] = [];
	const sink = new Writable({
		write(chunk, _encoding, done) {
			for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
			done();
		}
	});
	return { log: createLogger('info', sink), lines };
}

const ids = (span: ReadableSpan) => ({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('job traces', () => {
	const exporter = new InMemorySpanExporter();
	let testHub: TestHub;
	beforeAll(async () => {
		testHub = await startTestHub({ spanExporter: exporter, env: { EXOSTACK_RETRY_BACKOFF_MS: '0', EXOSTACK_LOG_LEVEL: 'error' } });
	});
	afterAll(() => testHub?.stop());

	it('records submit → lease → result as one trace per job, with the ids of each step', async () => {
		const { hub } = testHub;
		const s = testHub.volunteer({
			auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } }
		});
		const { volunteerId } = await welcomed(s);
		const jobId = await testHub.submit(['one', 'two', 'three'], { chunk_size: 1 });
		const leases = granted(await replyTo(s, 'task:request', { slots: 3 })).tasks;
		expect(leases).toHaveLength(3);
		const [good, bad, failing] = leases;
		const dims = (await hub.models.get(['demo-embedding'])).get('demo-embedding')!.embedding!.dimensions;
		const result = (t: typeof good, outputs: unknown[]) =>
			replyTo(s, 'task:result', { taskId: t.taskId, leaseToken: t.leaseToken, backend: 'native', variant: 'fp32', durationMs: 5, outputs });
		expect(await result(good, [Array.from({ length: dims }, () => 0.1)])).toEqual({ ok: true });
		expect(await result(bad, [[1, 2]])).toMatchObject({ ok: false, code: 'rejected_output' });
		expect(await replyTo(s, 'task:fail', { taskId: failing.taskId, leaseToken: failing.leaseToken, error: 'out of memory' })).toEqual({
			ok: true
		});

		const spans = exporter.getFinishedSpans();
		const named = (name: string) => spans.filter((x) => x.name === name);
		// One trace, named by the job: its id is the job's UUID, its root the submit span.
		expect(new Set(spans.map((x) => x.spanContext().traceId))).toEqual(new Set([jobId.replace(/-/g, '')]));
		const [submit] = named('job.submit');
		expect(ids(submit)).toEqual({ traceId: jobTraceId(jobId), spanId: jobSpanId(jobId) });
		expect(submit.parentSpanContext).toBeUndefined();
		expect(submit.attributes).toMatchObject({
			'exostack.job.id': jobId,
			'exostack.submitter': 'admin',
			'exostack.inputs': 3,
			'exostack.model': 'demo-embedding'
		});
		expect(submit.resource.attributes).toMatchObject({ 'service.name': 'exostack-hub', 'service.instance.id': hub.id });

		// Each lease hangs under the submit span, named by its task and lease token.
		const leaseSpans = named('task.lease');
		expect(leaseSpans).toHaveLength(3);
		for (const t of leases) {
			const span = leaseSpans.find((x) => x.attributes['exostack.task.id'] === t.taskId)!;
			expect(span.attributes).toMatchObject({ 'exostack.job.id': jobId, 'exostack.volunteer.id': volunteerId });
			expect(ids(span).spanId).toBe(leaseSpanId(t.taskId, t.leaseToken));
			expect(parentOf(span)).toBe(submit.spanContext().spanId);
		}

		// What ended each lease hangs under that lease: an accepted result, a rejected one (an error), a failure.
		const results = named('task.result');
		const accepted = results.find((x) => x.attributes['exostack.task.id'] === good.taskId)!;
		expect(parentOf(accepted)).toBe(leaseSpanId(good.taskId, good.leaseToken));
		expect(accepted.attributes).toMatchObject({ 'exostack.volunteer.id': volunteerId, 'exostack.settlement': 'accepted' });
		expect(accepted.status.code).toBe(0);
		const rejected = results.find((x) => x.attributes['exostack.task.id'] === bad.taskId)!;
		expect(parentOf(rejected)).toBe(leaseSpanId(bad.taskId, bad.leaseToken));
		expect(rejected.status).toMatchObject({ code: 2, message: expect.stringMatching(/output 0/) });
		const [failed] = named('task.fail');
		expect(parentOf(failed)).toBe(leaseSpanId(failing.taskId, failing.leaseToken));
		expect(failed.status).toMatchObject({ code: 2, message: 'out of memory' });
		s.disconnect();
		// Its retried tasks must not be what the next test's volunteer leases.
		await cancelJob(hub.db, jobId);
	});

	it('ends a finished job with a job.finish span under its submit span', async () => {
		exporter.reset();
		const s = testHub.volunteer({
			auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } }
		});
		await welcomed(s);
		const jobId = await testHub.submit(['alone']);
		const [t] = granted(await replyTo(s, 'task:request', { slots: 1 })).tasks;
		const dims = (await testHub.hub.models.get(['demo-embedding'])).get('demo-embedding')!.embedding!.dimensions;
		granted(
			await replyTo(s, 'task:result', {
				taskId: t.taskId,
				leaseToken: t.leaseToken,
				backend: 'native',
				variant: 'fp32',
				durationMs: 5,
				outputs: [Array.from({ length: dims }, () => 0.2)]
			})
		);
		// The job is finished after the acknowledgement (the result is committed first).
		await expect.poll(() => exporter.getFinishedSpans().filter((x) => x.name === 'job.finish'), { timeout: 10_000 }).toHaveLength(1);
		const finish = exporter.getFinishedSpans().find((x) => x.name === 'job.finish')!;
		expect(ids(finish).traceId).toBe(jobTraceId(jobId));
		expect(parentOf(finish)).toBe(jobSpanId(jobId));
		expect(finish.attributes).toMatchObject({ 'exostack.job.id': jobId, 'exostack.job.status': 'completed' });
		s.disconnect();
	});
});

describe('OTLP export', () => {
	it('posts the spans to OTEL_EXPORTER_OTLP_ENDPOINT as OTLP/HTTP JSON', async () => {
		const bodies: { path: string; body: string }[] = [];
		const collector = createServer((req, res) => {
			let body = '';
			req.on('data', (d) => (body += d));
			req.on('end', () => {
				bodies.push({ path: req.url!, body });
				res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
			});
		});
		await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
		const before = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
		process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as { port: number }).port}`;
		try {
			const tracer = await startTracing({ hubId: 'hub-under-test', log: capture().log });
			const jobId = crypto.randomUUID();
			const now = Date.now();
			tracer.jobSubmitted(jobId, { 'exostack.job.id': jobId }, { start: now - 5, end: now });
			tracer.leased({ jobId, taskId: 42, leaseToken: 'token' }, { 'exostack.task.id': 42 }, { start: now, end: now + 1 });
			await tracer.shutdown();
			expect(bodies.map((b) => b.path)).toEqual(['/v1/traces']);
			const sent = JSON.parse(bodies[0].body);
			const spans = sent.resourceSpans[0].scopeSpans[0].spans as { name: string; traceId: string; spanId: string; parentSpanId?: string }[];
			expect(spans.map((x) => x.name).sort()).toEqual(['job.submit', 'task.lease']);
			expect(new Set(spans.map((x) => x.traceId))).toEqual(new Set([jobTraceId(jobId)]));
			expect(spans.find((x) => x.name === 'task.lease')!.parentSpanId).toBe(jobSpanId(jobId));
		} finally {
			if (before === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
			else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = before;
			collector.close();
		}
	});
});

describe('OTLP export to a collector that is down', () => {
	it('is logged as a warning, not dropped in silence', async () => {
		const port = await new Promise<number>((resolve) => {
			const probe = createServer().listen(0, '127.0.0.1', () => {
				const { port } = probe.address() as { port: number };
				probe.close(() => resolve(port));
			});
		});
		const before = { ...process.env };
		process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
		// The batch goes out on the processor's schedule, as in a running hub (not at shutdown, whose failure the hub logs itself).
		process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
		const { log, lines } = capture();
		const tracer = await startTracing({ hubId: 'hub-under-test', log });
		try {
			const now = Date.now();
			tracer.jobSubmitted(crypto.randomUUID(), {}, { start: now, end: now });
			await expect
				.poll(() => lines, { timeout: 30_000, interval: 100 })
				.toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^OpenTelemetry: /) }));
		} finally {
			await tracer.shutdown().catch(() => {});
			process.env = before;
		}
	});
});

describe('trace ids', () => {
	it('are the job UUID for the trace and stable hashes for spans, refusing what is not a job id', () => {
		const jobId = '3F2504E0-4F89-41D3-9A0C-0305E82C3301';
		expect(jobTraceId(jobId)).toBe('3f2504e04f8941d39a0c0305e82c3301');
		expect(jobSpanId(jobId)).toMatch(/^[0-9a-f]{16}$/);
		expect(jobSpanId(jobId)).toBe(jobSpanId(jobId));
		expect(leaseSpanId(1, 'a')).not.toBe(leaseSpanId(1, 'b'));
		expect(leaseSpanId(1, 'a')).not.toBe(leaseSpanId(2, 'a'));
		expect(() => jobTraceId('not-a-uuid')).toThrow(/not a job id/);
		expect(() => jobTraceId('00000000-0000-0000-0000-000000000000')).toThrow(/not a job id/);
	});
});

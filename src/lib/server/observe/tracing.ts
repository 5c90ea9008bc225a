/**
 * Optional OpenTelemetry traces of a job's life: `job.submit` → `task.lease` → `task.result` (or
 * `task.fail`), and `job.finish`, one trace per job (trace-ids.ts says how the spans find each other).
 * Off by default; EXOSTACK_TRACING=on exports them over OTLP/HTTP to where the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, _HEADERS, …) says.
 *
 * The SDK is imported only when tracing starts, so a hub without it loads none of OpenTelemetry. No
 * global provider is registered: only these spans are recorded, through this provider.
 */
import type { Attributes, Context, Tracer } from '@opentelemetry/api';
import type { IdGenerator, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../log';
import { jobSpanId, jobTraceId, leaseSpanId } from './trace-ids';

/** When an operation ran, in milliseconds since the epoch (spanNow()). */
export interface SpanTimes {
	start: number;
	end: number;
}

/**
 * Now, in milliseconds since the epoch to a fraction of one, as OpenTelemetry's own clock reads it: a claim
 * or a hand-in takes a few milliseconds, which Date.now() rounded to whole ones (bench/interactive --trace
 * adds up such spans).
 */
export const spanNow = () => performance.timeOrigin + performance.now();

/** One lease of a task, as spans name it. */
export interface LeaseRef {
	jobId: string;
	taskId: number;
	leaseToken: string;
}

export interface JobTracer {
	jobSubmitted(jobId: string, attributes: Attributes, times: SpanTimes): void;
	leased(lease: LeaseRef, attributes: Attributes, times: SpanTimes): void;
	/** What ended a lease (`task.result`, `task.fail`), under that lease's span; `error` marks it failed. */
	leaseEnded(name: string, lease: LeaseRef, attributes: Attributes, times: SpanTimes, error?: string): void;
	jobFinished(jobId: string, status: string): void;
	/** Exports what is pending (waiting SHUTDOWN_MS at most) and stops. */
	shutdown(): Promise<void>;
}

/** The longest stopping waits for the last spans to be exported. */
const SHUTDOWN_MS = 3000;

/** Ids for the next span, when set: the SDK asks its IdGenerator inside startSpan, which is synchronous. */
class PinnedIds implements IdGenerator {
	#next: { traceId?: string; spanId?: string } = {};
	constructor(private random: IdGenerator) {}
	generateTraceId = () => this.#next.traceId ?? this.random.generateTraceId();
	generateSpanId = () => this.#next.spanId ?? this.random.generateSpanId();
	with<T>(ids: { traceId?: string; spanId?: string }, fn: () => T): T {
		this.#next = ids;
		try {
			return fn();
		} finally {
			this.#next = {};
		}
	}
}

export interface TracingOptions {
	hubId: string;
	/** Where OpenTelemetry's own complaints go (an export that failed: the collector is down), as warnings. */
	log: Logger;
	/** Where spans go instead of OTLP, synchronously as each ends (specs: an InMemorySpanExporter). */
	exporter?: SpanExporter;
}

/** What one span is: its parent, the ids pinned for it (if any), and what it says. */
interface SpanSpec {
	parent: Context;
	pin: { traceId?: string; spanId?: string };
	attributes: Attributes;
	times: SpanTimes;
	error?: string;
}

export async function startTracing(options: TracingOptions): Promise<JobTracer> {
	const api = await import('@opentelemetry/api');
	const { provider, ids } = await createProvider(options, api);
	const tracer: Tracer = provider.getTracer('exostack');
	/** A context whose parent is the span named by these ids, recorded elsewhere (maybe by another process). */
	const under = (traceId: string, spanId: string): Context =>
		api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId, spanId, traceFlags: api.TraceFlags.SAMPLED, isRemote: true });
	const record = (name: string, { parent, pin, attributes, times, error }: SpanSpec) => {
		const span = ids.with(pin, () => tracer.startSpan(name, { attributes, startTime: times.start }, parent));
		if (error !== undefined) span.setStatus({ code: api.SpanStatusCode.ERROR, message: error });
		span.end(times.end);
	};
	return {
		jobSubmitted(jobId, attributes, times) {
			// The root: no parent, its trace and span ids pinned to the job's.
			record('job.submit', { parent: api.ROOT_CONTEXT, pin: { traceId: jobTraceId(jobId), spanId: jobSpanId(jobId) }, attributes, times });
		},
		leased(lease, attributes, times) {
			const parent = under(jobTraceId(lease.jobId), jobSpanId(lease.jobId));
			record('task.lease', { parent, pin: { spanId: leaseSpanId(lease.taskId, lease.leaseToken) }, attributes, times });
		},
		leaseEnded(name, lease, attributes, times, error) {
			const parent = under(jobTraceId(lease.jobId), leaseSpanId(lease.taskId, lease.leaseToken));
			record(name, { parent, pin: {}, attributes, times, error });
		},
		jobFinished(jobId, status) {
			const now = Date.now();
			record('job.finish', {
				parent: under(jobTraceId(jobId), jobSpanId(jobId)),
				pin: {},
				attributes: { 'exostack.job.id': jobId, 'exostack.job.status': status },
				times: { start: now, end: now },
				error: status === 'failed' ? 'the job failed' : undefined
			});
		},
		// A collector that is down would hold the hub's shutdown for the exporter's retries: what is not out by then is dropped.
		shutdown: () => Promise.race([provider.shutdown(), new Promise<void>((r) => setTimeout(r, SHUTDOWN_MS).unref())])
	};
}

/** The SDK's provider, exporting to `options.exporter` or over OTLP/HTTP, with OpenTelemetry's complaints in the hub's log. */
async function createProvider(options: TracingOptions, api: typeof import('@opentelemetry/api')) {
	const sdk = await import('@opentelemetry/sdk-trace-base');
	const { resourceFromAttributes } = await import('@opentelemetry/resources');
	// Without a diagnostic logger OpenTelemetry drops its errors silently: an operator would never learn the collector is unreachable.
	const warn = (message: string, ...args: unknown[]) => options.log.warn({ details: args.map(String) }, `OpenTelemetry: ${message}`);
	const ignore = () => {};
	api.diag.setLogger(
		{ error: warn, warn, info: ignore, debug: ignore, verbose: ignore },
		{ logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true }
	);
	const processor = options.exporter
		? new sdk.SimpleSpanProcessor(options.exporter)
		: new sdk.BatchSpanProcessor(new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter());
	const ids = new PinnedIds(new sdk.RandomIdGenerator());
	const provider = new sdk.BasicTracerProvider({
		resource: resourceFromAttributes({ 'service.name': 'exostack-hub', 'service.instance.id': options.hubId }),
		idGenerator: ids,
		spanProcessors: [processor]
	});
	return { provider, ids };
}

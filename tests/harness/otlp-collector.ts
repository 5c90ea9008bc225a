/**
 * An OTLP/HTTP collector of a test's or a bench's own: keeps the spans a hub with EXOSTACK_TRACING=on posts
 * to /v1/traces (JSON, the exporter's default encoding).
 */
import { createServer, type Server } from 'node:http';

export interface OtlpSpan {
	name: string;
	traceId: string;
	spanId: string;
	parentSpanId?: string;
	/** Nanoseconds since the epoch, as a decimal string. */
	startTimeUnixNano: string;
	endTimeUnixNano: string;
	attributes: { key: string; value: Record<string, unknown> }[];
}

export interface OtlpCollector {
	url: string;
	spans: OtlpSpan[];
	close(): void;
}

export async function startCollector(): Promise<OtlpCollector> {
	const spans: OtlpSpan[] = [];
	const server: Server = createServer((req, res) => {
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			if (req.url === '/v1/traces')
				for (const r of JSON.parse(body).resourceSpans) for (const s of r.scopeSpans) spans.push(...(s.spans as OtlpSpan[]));
			res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans, close: () => server.close() };
}

/** A span attribute's value, whatever its OTLP type. */
export const attribute = (span: OtlpSpan, key: string) => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

/** How long a span lasted, in milliseconds. */
export const durationMs = (span: OtlpSpan) => Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6;

import { ApiError, requireJobAccess, withApiErrors } from '$lib/server/http/api';
import { csvCell } from '$lib/server/http/csv';
import { getJobStatus, resultPages } from '$lib/server/scheduler/job-status';
import type { Db } from '$lib/server/db';
import type { RequestHandler } from './$types';

const formats = {
	jsonl: { type: 'application/x-ndjson', header: '', line: (r: Row) => JSON.stringify(r) },
	csv: {
		type: 'text/csv',
		header: 'index,input,output\n',
		line: (r: Row) => [r.index, csvCell(r.input), csvCell(JSON.stringify(r.output))].join(',')
	}
} as const;

interface Row {
	index: number;
	input: string;
	output: unknown;
}

/**
 * The accepted results of a job so far, one line per input in input order, streamed page by page
 * (`?format=jsonl`, the default, or `csv`). Its owner's key or the admin's only. A running job yields what is done; a dead task's inputs are absent.
 */
export const GET: RequestHandler = withApiErrors(async ({ request, params: { id }, url, locals: { hub } }) => {
	await requireJobAccess(hub, request, id);
	const format = url.searchParams.get('format') ?? 'jsonl';
	if (format !== 'jsonl' && format !== 'csv') throw new ApiError(400, 'format must be jsonl or csv');
	if (!(await getJobStatus(hub.db, id, { withResult: false }))) throw new ApiError(404, `no job "${id}"`);
	const f = formats[format];
	return new Response(stream(hub.db, id, f.header, f.line), {
		headers: {
			'content-type': `${f.type}; charset=utf-8`,
			'content-disposition': `attachment; filename="${id}.${format}"`
		}
	});
});

function stream(db: Db, jobId: string, header: string, line: (r: Row) => string) {
	const encoder = new TextEncoder();
	const pages = resultPages(db, jobId);
	return new ReadableStream<Uint8Array>({
		start(controller) {
			if (header) controller.enqueue(encoder.encode(header));
		},
		async pull(controller) {
			const next = await pages.next();
			if (next.done) return controller.close();
			const lines = next.value.flatMap((t) =>
				t.output.map((output, k) => line({ index: t.firstInput + k, input: t.inputs[k], output }) + '\n')
			);
			controller.enqueue(encoder.encode(lines.join('')));
		},
		async cancel() {
			await pages.return(undefined);
		}
	});
}

/**
 * A batch input file, OpenAI's JSONL: one request a line, `{custom_id, method: "POST", url, body}`, each
 * body checked with the schema its /v1 endpoint uses, so a file that uploads is one whose every line the
 * endpoint would take. A bad line is a 400 that names it; nothing is stored.
 */
import { z } from 'zod';
import type { SubmissionLimits } from '../../../protocol/jobs';
import { unstorableTextAt, unstorableTextMessage } from '../../db/storable-text';
import { OpenAiError, invalidParam } from '../errors';
import { validateOpenAiBody } from '../parse-body';
import {
	BATCH_ENDPOINT_PATHS,
	chatRequestSchema,
	completionsRequestSchema,
	embeddingsRequestSchema,
	type BatchEndpoint
} from '../../../protocol/rest/openai-requests';

export interface BatchLine {
	/** 1-based, as an editor numbers lines. */
	line: number;
	customId: string;
	url: BatchEndpoint;
	body: Record<string, unknown>;
}

const MAX_CUSTOM_ID_CHARS = 512;

const LineSchema = z.strictObject({
	custom_id: z.string().min(1).max(MAX_CUSTOM_ID_CHARS),
	method: z.literal('POST', { error: 'method must be "POST"' }),
	url: z.enum(BATCH_ENDPOINT_PATHS, { error: `url must be one of ${BATCH_ENDPOINT_PATHS.join(', ')}` }),
	body: z.record(z.string(), z.unknown())
});

function bodySchema(url: BatchEndpoint, limits: SubmissionLimits) {
	if (url === '/v1/embeddings') return embeddingsRequestSchema(limits);
	return url === '/v1/chat/completions' ? chatRequestSchema(limits) : completionsRequestSchema(limits);
}

/** Every line of `bytes`, validated; at most `maxLines` of them, custom_ids unique. */
export function parseBatchFile(bytes: Uint8Array, limits: SubmissionLimits, maxLines: number): BatchLine[] {
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw invalidParam('file', 'the file is not UTF-8 text');
	}
	const rows = text.split('\n');
	if (rows.at(-1) === '') rows.pop();
	if (rows.length === 0) throw invalidParam('file', 'the file has no lines');
	if (rows.length > maxLines) throw invalidParam('file', `the file has ${rows.length} lines; a batch takes at most ${maxLines}`);
	const seen = new Set<string>();
	return rows.map((row, i) => {
		const line = parseLine(row.replace(/\r$/, ''), i + 1, limits);
		if (seen.has(line.customId)) throw invalidParam('file', `line ${line.line}: custom_id "${line.customId}" is used twice`);
		seen.add(line.customId);
		return line;
	});
}

function parseLine(row: string, line: number, limits: SubmissionLimits): BatchLine {
	const bad = (message: string) => invalidParam('file', `line ${line}: ${message}`);
	let value: unknown;
	try {
		value = JSON.parse(row);
	} catch (e) {
		throw bad(`not JSON (${(e as Error).message})`);
	}
	const unstorable = unstorableTextAt(value);
	if (unstorable !== null) throw bad(unstorableTextMessage(unstorable));
	const parsed = LineSchema.safeParse(value);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw bad(`${issue.path.join('.') || 'line'}: ${issue.message}`);
	}
	const { custom_id, url, body } = parsed.data;
	let valid: Record<string, unknown>;
	try {
		valid = validateOpenAiBody(body, bodySchema(url, limits)) as Record<string, unknown>;
	} catch (e) {
		throw e instanceof OpenAiError ? bad(`body.${e.message}`) : e;
	}
	// A batch's answer is a file written once: there is no connection to stream to.
	if (valid.stream === true) throw bad('body.stream: streaming is not available in a batch');
	return { line, customId: custom_id, url, body: valid };
}

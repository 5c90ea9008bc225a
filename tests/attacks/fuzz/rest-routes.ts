/**
 * Every REST route and page of the hub, keyed by its route id under src/routes, with the requests an
 * attacker can aim at it: its methods (and ones it does not have), odd path params, hostile query
 * strings and bodies built by breaking a payload the route's real schema accepts, anonymously, as the
 * admin or as a submitter's key. The fuzz test checks this table against the route files, so a new route
 * cannot go unfuzzed.
 */
import fc from 'fast-check';
import { submissionSchema } from '../../../src/lib/protocol/jobs';
import { NodeHeartbeat, NodeRegistration } from '../../../src/lib/protocol/seed-nodes';
import { ProfileUpdate, TeamMembershipUpdate } from '../../../src/lib/protocol/profile';
import { STATS_FILES } from '../../../src/lib/server/stats/export-files';
import { MintKeyRequest } from '../../../src/lib/protocol/api-keys';
import { WEBHOOK_EVENTS } from '../../../src/lib/protocol/webhooks';
import { embeddingsRequestSchema } from '../../../src/lib/server/openai/embeddings-request';
import { chatRequestSchema, completionsRequestSchema } from '../../../src/lib/server/openai/generation-request';
import { hostile, payloadFor } from './hostile';

/** Real ids and secrets of the fuzzed hub, so that some requests reach the code behind the lookups. */
export interface FuzzContext {
	token: string;
	/** A submitter's key (minted by the admin), and the job it owns: the admin's job is someone else's to it. */
	apiKey: string;
	keyJobId: string;
	/** A second key, there to be revoked by the admin's DELETE (never the one the fuzz sends). */
	spareKeyId: string;
	jobId: string;
	volunteerId: string;
	identity: string;
	/** A team held by a volunteer the fuzz does not speak for, so it is never emptied (and deleted) by the fuzz. */
	teamId: string;
	nodeId: string;
	nodeToken: string;
	modelId: string;
	modelFile: string;
	blobSha: string;
}

export interface FuzzRequest {
	route: string;
	method: string;
	target: string;
	headers: Record<string, string>;
	body?: Buffer;
}

type Part = fc.Arbitrary<string>;

/** Percent-encodes any string, lone surrogates included (as U+FFFD: encodeURIComponent throws on them). */
const enc = (s: string) => encodeURIComponent(s.toWellFormed());

/** A path segment: mostly the real one or a well-formed stranger, else anything an attacker types. */
function segment(real: Part, wellFormed: Part): Part {
	return fc.oneof(
		{ arbitrary: real, weight: 3 },
		{ arbitrary: wellFormed, weight: 2 },
		{
			arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '%2e%2e%2f', '%2F', '__proto__', 'constructor', '%F0%9F%99%82', ''),
			weight: 2
		},
		{ arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(enc), weight: 1 },
		{ arbitrary: fc.constantFrom('a'.repeat(5000), '9'.repeat(101)), weight: 1 }
	);
}

const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const queryKeys = [
	'limit',
	'after',
	'before',
	'window',
	'days',
	'format',
	'order',
	'purpose',
	'__proto__',
	'constructor',
	'x-sveltekit-invalidated',
	'/default'
];

/** A query string: known keys with hostile values, percent-encoded or raw bad escapes, repeated keys. */
const query: Part = fc
	.array(
		fc.tuple(
			fc.oneof(fc.constantFrom(...queryKeys), fc.string({ maxLength: 8 }).map(enc)),
			fc.oneof(
				{
					arbitrary: hostile.map((v) => enc(typeof v === 'string' ? v.slice(0, 2000) : String(JSON.stringify(v)).slice(0, 2000))),
					weight: 4
				},
				{
					arbitrary: fc.constantFrom(
						'%',
						'%zz',
						'%E0%A4%A',
						'%ff',
						'24h',
						'7d',
						'all',
						'csv',
						'jsonl',
						'+275760-09-13',
						'-271821-04-20',
						'10000-01-01',
						'1'
					),
					weight: 3
				}
			)
		),
		{ maxLength: 4 }
	)
	.map((pairs) => (pairs.length ? '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&') : ''));

const contentTypes = [
	'application/json',
	'application/json; charset=utf-8',
	'application/json; charset=utf-16',
	'text/plain',
	'application/x-www-form-urlencoded',
	'multipart/form-data; boundary=x',
	'multipart/form-data',
	'image/png',
	'application/octet-stream',
	''
];

/** A JSON body, broken at the JSON level sometimes too: truncated, with junk, not JSON, or not UTF-8. */
function jsonBody(valid: fc.Arbitrary<unknown>): fc.Arbitrary<{ body: Buffer; type: string }> {
	return fc
		.record({
			value: payloadFor(valid),
			framing: fc.constantFrom('json', 'json', 'json', 'json', 'json', 'truncated', 'junk', 'latin1', 'empty', 'deep'),
			cut: fc.nat(),
			type: fc.oneof({ arbitrary: fc.constant('application/json'), weight: 6 }, { arbitrary: fc.constantFrom(...contentTypes), weight: 1 })
		})
		.map(({ value, framing, cut, type }) => {
			const text = JSON.stringify(value) ?? 'undefined';
			const bytes =
				framing === 'truncated'
					? Buffer.from(text.slice(0, cut % Math.max(text.length, 1)))
					: framing === 'junk'
						? Buffer.from(text + '}{,\u0000')
						: framing === 'latin1'
							? Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(text, 'latin1')])
							: framing === 'empty'
								? Buffer.alloc(0)
								: framing === 'deep'
									? Buffer.from('['.repeat(50_000 + (cut % 100_000)) + ']'.repeat(50_000 + (cut % 100_000)))
									: Buffer.from(text);
			return { body: bytes, type };
		});
}

const binaryBody = fc
	.tuple(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(...contentTypes))
	.map(([bytes, type]) => ({ body: Buffer.from(bytes), type }));

const PNG_HEADER = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
/** A PNG signature and IHDR with hostile dimensions and a cut-off rest: the header check's cases. */
const pngBody = fc.tuple(fc.integer(), fc.integer(), fc.uint8Array({ maxLength: 200 })).map(([w, h, rest]) => {
	const dims = Buffer.alloc(8);
	dims.writeInt32BE(w, 0);
	dims.writeInt32BE(h, 4);
	return { body: Buffer.concat([PNG_HEADER, dims, Buffer.from(rest)]), type: 'image/png' };
});

const multipartBody = fc
	.tuple(fc.string({ maxLength: 50 }), fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 3 }))
	.map(([name, bytes, files]) => {
		const parts = Array.from(
			{ length: files },
			() =>
				`--x\r\ncontent-disposition: form-data; name="f"; filename="${name}"\r\ncontent-type: image/png\r\n\r\n${Buffer.from(bytes).toString('latin1')}\r\n`
		);
		return { body: Buffer.from(parts.join('') + (files ? '--x--\r\n' : 'garbage'), 'latin1'), type: 'multipart/form-data; boundary=x' };
	});

/** A batch upload: `purpose` beside a JSONL `file` of embedding lines, some broken, some not lines at all. */
const batchUploadBody = fc
	.tuple(
		fc.array(
			fc.oneof(
				fc
					.record({
						custom_id: fc.string({ maxLength: 20 }),
						method: fc.constantFrom('POST', 'GET'),
						url: fc.constantFrom('/v1/embeddings', '/v1/completions', '/v1/x'),
						body: fc.record({ model: fc.constant('demo-embedding'), input: fc.string({ maxLength: 30 }) })
					})
					.map((l) => JSON.stringify(l)),
				fc.string({ maxLength: 40 })
			),
			{ maxLength: 4 }
		),
		fc.constantFrom('batch', 'fine-tune', '')
	)
	.map(([lines, purpose]) => ({
		body: Buffer.from(
			`--x\r\ncontent-disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n` +
				`--x\r\ncontent-disposition: form-data; name="file"; filename="b.jsonl"\r\ncontent-type: application/jsonl\r\n\r\n${lines.join('\n')}\r\n--x--\r\n`
		),
		type: 'multipart/form-data; boundary=x'
	}));

type BodyArb = fc.Arbitrary<{ body: Buffer; type: string }>;

interface RouteSpec {
	/** The path, with its params filled, before the query string. */
	path: Part;
	/** The methods the route serves; others are fuzzed too (they must be refused). */
	methods: string[];
	/** For POST routes: the bodies to send. */
	body?: BodyArb;
}

const OTHER_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The hub's routes (keys: route ids as in src/routes; `page:` marks a page). */
export function restRoutes(ctx: FuzzContext): Record<string, RouteSpec> {
	const job = segment(fc.constantFrom(ctx.jobId, ctx.keyJobId), fc.uuid());
	const key = segment(fc.constant(ctx.spareKeyId), fc.uuid());
	// No file or batch exists in the fuzzed hub: well-formed ids of none, and anything else.
	const fileId = segment(fc.stringMatching(/^file-[0-9a-f]{24}$/), fc.string({ maxLength: 30 }).map(enc));
	const batchId = segment(fc.stringMatching(/^batch_[0-9a-f]{32}$/), fc.string({ maxLength: 40 }).map(enc));
	const mint = fc.record(
		{
			name: fc.constantFrom('fuzz key', ' padded ', 'k'),
			quotas: fc.record({ jobs_per_day: fc.nat({ max: 1000 }), inputs_per_day: fc.nat({ max: 100_000 }) }, { requiredKeys: [] })
		},
		{ requiredKeys: ['name'] }
	);
	const webhook = fc.record({
		url: fc.oneof(
			fc.constantFrom(
				'https://127.0.0.1/hook',
				'https://169.254.169.254/latest/meta-data',
				'https://[::1]/',
				'http://10.0.0.1/',
				'https://localhost/'
			),
			fc.webUrl()
		),
		events: fc.subarray([...WEBHOOK_EVENTS], { minLength: 1 })
	});
	const node = segment(fc.constantFrom(ctx.volunteerId, ctx.nodeId), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/));
	const sha = segment(fc.constant(ctx.blobSha), hex(64));
	const modelPath = fc.oneof(
		fc.constant(`${ctx.modelId}/resolve/main/${ctx.modelFile}`),
		fc
			.tuple(
				segment(fc.constant(ctx.modelId), fc.string()),
				segment(fc.constant('main'), fc.string()),
				segment(fc.constant(ctx.modelFile), fc.string())
			)
			.map(([m, r, f]) => `${m}/resolve/${r}/${f}`),
		segment(fc.constant(ctx.modelId), fc.string({ maxLength: 30 }))
	);
	const submission = fc.record({
		task_type: fc.constant('embedding'),
		model: fc.constant(ctx.modelId),
		input: fc.array(fc.string({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }),
		priority: fc.constantFrom('low', 'normal', 'high'),
		replication: fc.integer({ min: 1, max: 3 }),
		params: fc.constant({})
	});
	const jobs = jsonBody(submission.filter((s) => submissionSchema({ maxInputs: 10_000, maxInputChars: 20_000 }).safeParse(s).success));
	const text = fc.string({ minLength: 1, maxLength: 30 });
	const embeddings = fc.record(
		{
			model: fc.constant(ctx.modelId),
			input: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 5 })),
			encoding_format: fc.constantFrom('float', 'base64'),
			dimensions: fc.constant(4)
		},
		{ requiredKeys: ['model', 'input'] }
	);
	const openAiEmbeddings = jsonBody(
		embeddings.filter((b) => embeddingsRequestSchema({ maxInputs: 10_000, maxInputChars: 20_000 }).safeParse(b).success)
	);
	const limits = { maxInputs: 10_000, maxInputChars: 20_000 };
	const sampling = {
		max_tokens: fc.integer({ min: 1, max: 8 }),
		temperature: fc.constantFrom(0, 0.7, 2),
		top_p: fc.constantFrom(0.5, 1),
		stop: fc.constantFrom('\n', ['.', '!']),
		seed: fc.nat(),
		n: fc.constant(1),
		stream: fc.boolean()
	};
	const completions = fc.record(
		{ model: fc.constant('demo-text-generation'), prompt: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })), ...sampling },
		{ requiredKeys: ['model', 'prompt'] }
	);
	const chat = fc.record(
		{
			model: fc.constant('demo-text-generation'),
			messages: fc.array(fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: text }), {
				minLength: 1,
				maxLength: 3
			}),
			max_completion_tokens: fc.integer({ min: 1, max: 8 }),
			...sampling
		},
		{ requiredKeys: ['model', 'messages'] }
	);
	const openAiCompletions = jsonBody(completions.filter((b) => completionsRequestSchema(limits).safeParse(b).success));
	const openAiChat = jsonBody(chat.filter((b) => chatRequestSchema(limits).safeParse(b).success));
	const registration = fc.record({
		id: fc.constant(ctx.nodeId),
		capabilities: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
		cores: fc.integer({ min: 1, max: 64 })
	});
	const heartbeat = fc.record({
		ready_for_ai: fc.boolean(),
		readiness_score: fc.integer({ min: 0, max: 100 }),
		idle_state: fc.record({ state: fc.constantFrom('idle', 'active'), idle_seconds: fc.nat({ max: 1000 }) }),
		power_state: fc.record({ plugged_in: fc.boolean(), battery_percent: fc.integer({ min: 0, max: 100 }) })
	});
	const profile = fc.record({
		identity: fc.constant(ctx.identity),
		display_name: fc.constantFrom('Fuzzy Tester', 'Ada'),
		team: fc.constantFrom('Fuzzers', '', null)
	});
	const team = segment(fc.constant(ctx.teamId), fc.uuid());
	const membership = fc.record({
		identity: fc.constant(ctx.identity),
		team_id: fc.constantFrom(ctx.teamId, null, '00000000-0000-4000-8000-000000000000')
	});
	const modelImport = fc.oneof(
		fc.record({ path: fc.constant('/nonexistent/exostack-fuzz-model'), id: fc.constant('fuzz-model') }),
		fc.record({ hf: fc.constant('exostack/fuzz-model'), revision: fc.constant('main') })
	);
	const page = (path: Part): RouteSpec => ({
		path: fc
			.tuple(path, fc.constantFrom('', '/__data.json', '/__data.json?x-sveltekit-invalidated=01'))
			.map(([p, d]) => (p === '/' && d ? d : p + d)),
		methods: ['GET']
	});
	return {
		'/api/health': { path: fc.constant('/api/health'), methods: ['GET'] },
		'/api/health/live': { path: fc.constant('/api/health/live'), methods: ['GET'] },
		'/api/health/ready': { path: fc.constant('/api/health/ready'), methods: ['GET'] },
		'/metrics': { path: fc.constant('/metrics'), methods: ['GET'] },
		'/openapi.json': { path: fc.constant('/openapi.json'), methods: ['GET'] },
		'/api/jobs': { path: fc.constant('/api/jobs'), methods: ['GET', 'POST'], body: jobs },
		'/tasks/submit': { path: fc.constant('/tasks/submit'), methods: ['POST'], body: jobs },
		'/api/jobs/[id=uuid]': { path: job.map((j) => `/api/jobs/${j}`), methods: ['GET'] },
		'/tasks/[id=uuid]/status': { path: job.map((j) => `/tasks/${j}/status`), methods: ['GET'] },
		'/api/jobs/[id=uuid]/cancel': { path: job.map((j) => `/api/jobs/${j}/cancel`), methods: ['POST'], body: jsonBody(fc.constant({})) },
		'/api/jobs/[id=uuid]/tasks': { path: job.map((j) => `/api/jobs/${j}/tasks`), methods: ['GET'] },
		'/api/jobs/[id=uuid]/results': { path: job.map((j) => `/api/jobs/${j}/results`), methods: ['GET'] },
		'/api/images': { path: fc.constant('/api/images'), methods: ['POST'], body: fc.oneof(pngBody, multipartBody, binaryBody) },
		'/api/models': { path: fc.constant('/api/models'), methods: ['GET', 'POST'], body: jsonBody(modelImport) },
		'/api/models/[...id]': {
			path: segment(fc.constant(ctx.modelId), fc.string({ maxLength: 30 })).map((m) => `/api/models/${m}`),
			methods: ['GET']
		},
		'/api/nodes': { path: fc.constant('/api/nodes'), methods: ['GET'] },
		'/nodes/ai-readiness': { path: fc.constant('/nodes/ai-readiness'), methods: ['GET'] },
		'/nodes/register': {
			path: fc.constant('/nodes/register'),
			methods: ['POST'],
			body: jsonBody(registration.filter((r) => NodeRegistration.safeParse(r).success))
		},
		'/nodes/[id=node]/heartbeat': {
			path: node.map((n) => `/nodes/${n}/heartbeat`),
			methods: ['POST'],
			body: jsonBody(heartbeat.filter((h) => NodeHeartbeat.safeParse(h).success))
		},
		'/nodes/[id=node]/health/detailed': { path: node.map((n) => `/nodes/${n}/health/detailed`), methods: ['GET'] },
		'/api/volunteers': { path: fc.constant('/api/volunteers'), methods: ['GET'] },
		'/api/volunteers/[id=node]': { path: node.map((n) => `/api/volunteers/${n}`), methods: ['GET'] },
		'/api/volunteers/[id=node]/history': { path: node.map((n) => `/api/volunteers/${n}/history`), methods: ['GET'] },
		'/api/volunteers/profile': {
			path: fc.constant('/api/volunteers/profile'),
			methods: ['POST'],
			body: jsonBody(profile.filter((p) => ProfileUpdate.safeParse(p).success))
		},
		'/api/volunteers/team': {
			path: fc.constant('/api/volunteers/team'),
			methods: ['POST'],
			body: jsonBody(membership.filter((m) => TeamMembershipUpdate.safeParse(m).success))
		},
		'/api/leaderboard': { path: fc.constant('/api/leaderboard'), methods: ['GET'] },
		'/volunteers/[id=node]/card.svg': { path: node.map((n) => `/volunteers/${n}/card.svg`), methods: ['GET'] },
		'/teams/[id=uuid]/card.svg': { path: team.map((t) => `/teams/${t}/card.svg`), methods: ['GET'] },
		'/stats/[file]': {
			path: segment(fc.constantFrom(...STATS_FILES), fc.string({ maxLength: 20 })).map((f) => `/stats/${f}`),
			methods: ['GET']
		},
		'/api/keys': {
			path: fc.constant('/api/keys'),
			methods: ['GET', 'POST'],
			body: jsonBody(mint.filter((m) => MintKeyRequest.safeParse(m).success))
		},
		'/api/keys/[id=uuid]': { path: key.map((k) => `/api/keys/${k}`), methods: ['DELETE'] },
		'/api/audit': { path: fc.constant('/api/audit'), methods: ['GET'] },
		'/api/webhooks': { path: fc.constant('/api/webhooks'), methods: ['GET', 'POST'], body: jsonBody(webhook) },
		'/api/webhooks/[id=uuid]': { path: segment(fc.uuid(), fc.uuid()).map((w) => `/api/webhooks/${w}`), methods: ['DELETE'] },
		'/api/backup': { path: fc.constant('/api/backup'), methods: ['POST'] },
		'/models/[...path]': { path: modelPath.map((p) => `/models/${p}`), methods: ['GET'] },
		'/blobs/[sha256=sha256]': { path: sha.map((s) => `/blobs/${s}`), methods: ['GET'] },
		'/v1/models': { path: fc.constant('/v1/models'), methods: ['GET'] },
		'/v1/models/[...id]': {
			path: segment(fc.constant(ctx.modelId), fc.string({ maxLength: 30 })).map((m) => `/v1/models/${m}`),
			methods: ['GET']
		},
		'/v1/embeddings': { path: fc.constant('/v1/embeddings'), methods: ['POST'], body: openAiEmbeddings },
		'/v1/completions': { path: fc.constant('/v1/completions'), methods: ['POST'], body: openAiCompletions },
		'/v1/chat/completions': { path: fc.constant('/v1/chat/completions'), methods: ['POST'], body: openAiChat },
		'/v1/files': { path: fc.constant('/v1/files'), methods: ['GET', 'POST'], body: fc.oneof(batchUploadBody, multipartBody) },
		'/v1/files/[id]': { path: fileId.map((f) => `/v1/files/${f}`), methods: ['GET', 'DELETE'] },
		'/v1/files/[id]/content': { path: fileId.map((f) => `/v1/files/${f}/content`), methods: ['GET'] },
		'/v1/batches': {
			path: fc.constant('/v1/batches'),
			methods: ['GET', 'POST'],
			body: jsonBody(
				fc.record(
					{
						input_file_id: fc.oneof(fc.stringMatching(/^file-[0-9a-f]{24}$/), fc.string({ maxLength: 30 })),
						endpoint: fc.constantFrom('/v1/embeddings', '/v1/chat/completions', '/v1/completions'),
						completion_window: fc.constant('24h'),
						metadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 })
					},
					{ requiredKeys: ['input_file_id', 'endpoint', 'completion_window'] }
				)
			)
		},
		'/v1/batches/[id]': { path: batchId.map((b) => `/v1/batches/${b}`), methods: ['GET'] },
		'/v1/batches/[id]/cancel': { path: batchId.map((b) => `/v1/batches/${b}/cancel`), methods: ['POST'] },
		'page:/': page(fc.constant('/')),
		'page:/jobs/new': page(fc.constant('/jobs/new')),
		'page:/jobs/[id=uuid]': page(job.map((j) => `/jobs/${j}`)),
		'page:/volunteer': page(fc.constant('/volunteer')),
		'page:/models': page(fc.constant('/models')),
		'page:/docs/api': page(fc.constant('/docs/api')),
		'page:/dashboard': page(fc.constant('/dashboard')),
		'page:/volunteers/[id=node]': page(node.map((n) => `/volunteers/${n}`)),
		'page:/leaderboard': page(fc.constant('/leaderboard')),
		'page:/teams/[id=uuid]': page(team.map((t) => `/teams/${t}`)),
		'page:/teams/[id=uuid]/join': page(team.map((t) => `/teams/${t}/join`))
	};
}

/** Who sends a fuzzed request: nobody (or a wrong token), the admin, or a submitter's key. */
export type Caller = 'anonymous' | 'admin' | 'key';

/** The Authorization header of `caller`: mostly its own credential, now and then one slightly wrong. */
function authorizationOf(ctx: FuzzContext, caller: Caller): fc.Arbitrary<string | undefined> {
	if (caller === 'anonymous') return fc.constantFrom(undefined, 'Bearer wrong-token-0123456789', 'Bearer ', `Bearer ${'a'.repeat(5000)}`);
	const secret = caller === 'admin' ? ctx.token : ctx.apiKey;
	return fc.oneof(
		{ arbitrary: fc.constant(`Bearer ${secret}`), weight: 8 },
		{ arbitrary: fc.constantFrom(secret, `Bearer ${secret}x`, `Bearer ${secret.slice(0, -1)}`, 'Basic Og=='), weight: 1 }
	);
}

/**
 * Requests to every route: its own methods mostly, now and then one it lacks (or a page form action it
 * lacks), as `caller`, odd headers.
 */
export function requests(ctx: FuzzContext, caller: Caller): fc.Arbitrary<FuzzRequest> {
	const table = restRoutes(ctx);
	const perRoute = Object.entries(table).map(([route, spec]) =>
		fc
			.record({
				path: spec.path,
				query,
				method: fc.oneof(
					{ arbitrary: fc.constantFrom(...spec.methods), weight: 5 },
					{ arbitrary: fc.constantFrom(...OTHER_METHODS), weight: 1 }
				),
				body: spec.body ?? jsonBody(fc.constant({})),
				authorization: authorizationOf(ctx, caller),
				nodeToken: fc.constantFrom(undefined, ctx.nodeToken, 'Bearer nope'),
				accept: fc.constantFrom(undefined, 'application/json', 'text/html', '*/*', 'text/x-component'),
				encoding: fc.constantFrom(undefined, 'br, gzip', 'identity;q=0, *;q=0'),
				idempotencyKey: fc.constantFrom(undefined, 'fuzz-1', 'a b', 'k'.repeat(300))
			})
			.map(({ path, query: q, method, body, authorization, nodeToken, accept, encoding, idempotencyKey }): FuzzRequest => {
				const headers: Record<string, string> = {};
				const auth = route.startsWith('/nodes/') ? (nodeToken ? `Bearer ${nodeToken}` : authorization) : authorization;
				if (auth) headers.authorization = auth;
				if (accept) headers.accept = accept;
				if (encoding) headers['accept-encoding'] = encoding;
				if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
				const sends = method !== 'GET' && method !== 'HEAD';
				if (sends && body.type) headers['content-type'] = body.type;
				// A page's POST is a form action: `?/name` (none exist, they must be refused).
				const target = route.startsWith('page:') && method === 'POST' ? `${path}?/default` : `${path}${q}`;
				return { route, method, target, headers, body: sends ? body.body : undefined };
			})
	);
	return fc.oneof(...perRoute);
}

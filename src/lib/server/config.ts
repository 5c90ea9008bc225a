/**
 * The hub's configuration, from environment variables and an optional configuration file under the
 * same names (config-file.ts; the environment wins). Parsed once at start-up; a bad value stops the
 * hub with a message naming the variable (and the file, when it came from there), rather than
 * surfacing later as odd behaviour. A knob added to the schema below is read from both, and listed
 * by `exostack config`, with nothing more.
 */
import path from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS } from './log-levels';
import { gatherSettings, type SettingSource } from './config-sources';

const int = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

/** A web origin, `scheme://host[:port]` (a trailing slash is forgiven, a path is not), normalised as browsers send it. */
const origin = z
	.string()
	.trim()
	.transform((value, ctx) => {
		const url = URL.canParse(value) ? new URL(value) : null;
		if (url && /^https?:$/.test(url.protocol) && url.pathname === '/' && !url.search && !url.hash && !url.username) return url.origin;
		ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin such as https://hub.example.org` });
		return z.NEVER;
	});

const Env = z
	.object({
		PORT: int(8000, 0),
		HOST: z.string().default('0.0.0.0'),
		DATABASE_URL: z
			.string()
			.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
			.optional(),
		EXOSTACK_DATA_DIR: z.string().default('data'),
		EXOSTACK_DB_POOL: int(10),
		EXOSTACK_DB_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
		EXOSTACK_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
		EXOSTACK_MAX_INPUTS: int(10_000),
		EXOSTACK_MAX_INPUT_CHARS: int(20_000),
		EXOSTACK_MAX_BODY_BYTES: int(16 * 1024 * 1024),
		/** Inputs per task when the hub sizes a job's chunks without a measurement (or with EXOSTACK_TARGET_TASK_SECONDS 0): small, so first results come quickly. */
		EXOSTACK_CHUNK_SIZE: int(8),
		/** How long a task should run: a job without chunk_size gets chunks of this × the measured inputs per second (scheduler/chunk-sizing.ts); 0 turns sizing off. */
		EXOSTACK_TARGET_TASK_SECONDS: int(30, 0),
		EXOSTACK_LEASE_SECONDS: int(60),
		/** The longest a lease may live in all, however its holder renews it (lease-deadline.ts): the ceiling of the deadline set from the task's expected duration. */
		EXOSTACK_LEASE_MAX_SECONDS: int(3600),
		/** Most leases one volunteer identity may hold at once across all its sockets; 0 for no cap. */
		EXOSTACK_LEASES_PER_VOLUNTEER: int(16, 0),
		EXOSTACK_MAX_FAILURES: int(3),
		EXOSTACK_RETRY_BACKOFF_MS: int(1000, 0),
		EXOSTACK_RESULT_TOLERANCE: z.coerce.number().positive().max(1).default(1e-3),
		EXOSTACK_SWEEP_SECONDS: int(5),
		/** An idle volunteer duplicates a job's last tasks once they run longer than this (and 3× the job's mean). */
		EXOSTACK_TAIL_SECONDS: int(10, 0),
		EXOSTACK_GROUP_COMMIT_MS: int(2, 0),
		EXOSTACK_GROUP_COMMIT_MAX: z.coerce.number().int().min(1).max(256).default(64),
		/** Claim groups one hub process runs in the database at once, the rest waiting their turn (claim-gate.ts); 0: no limit. */
		EXOSTACK_CLAIM_CONCURRENCY: int(1, 0),
		/**
		 * A claim group the database has not answered within this many ms gives its turn back, its requests told to try
		 * again (claim-gate.ts). Under the 15 s volunteers wait for an answer, so a claim answered later is given back
		 * by the hub, not left to expire on volunteers that never heard of it.
		 */
		EXOSTACK_CLAIM_DEADLINE_MS: z.coerce.number().int().min(100).max(14_000).default(10_000),
		/**
		 * How long a replica held in a hub process's feeder (feeder.ts) stays held without being renewed: what a crashed
		 * process's holds keep from other processes at most. 0: no feeder, every claim walks the queue.
		 */
		EXOSTACK_FEEDER_HOLD_SECONDS: int(5, 0),
		EXOSTACK_HEARTBEAT_SECONDS: int(10),
		/** The seed's readiness_threshold: no task is leased to a volunteer scoring under it (0–100). */
		EXOSTACK_READINESS_THRESHOLD: z.coerce.number().int().min(0).max(100).default(60),
		/** The origin browsers reach this hub at through a proxy or a DNS name: its pages may open sockets and its Host is answered. */
		EXOSTACK_PUBLIC_URL: origin.optional(),
		/** Further origins whose pages may open sockets to this hub, comma-separated (the hub's own always may; see http/edge/host-policy.ts). */
		EXOSTACK_ALLOWED_ORIGINS: z
			.string()
			.default('')
			.transform((list) => list.split(',').filter((o) => o.trim()))
			.pipe(z.array(origin)),
		/** How long a client may take to send a request's headers, its whole request, and how long an idle keep-alive connection stays open. */
		EXOSTACK_HEADERS_TIMEOUT_SECONDS: int(20),
		EXOSTACK_REQUEST_TIMEOUT_SECONDS: int(300),
		EXOSTACK_KEEPALIVE_TIMEOUT_SECONDS: int(5),
		/** Open connections from one address (one /64 for IPv6); 0 for no cap (behind a proxy, which then limits per client). */
		EXOSTACK_MAX_CONNECTIONS_PER_ADDRESS: int(256, 0),
		/** How many leading bits of an address name its network (net/network-of.ts): identities are rationed and replicas separated per network. */
		EXOSTACK_NETWORK_PREFIX_V4: z.coerce.number().int().min(8).max(32).default(24),
		EXOSTACK_NETWORK_PREFIX_V6: z.coerce.number().int().min(16).max(128).default(48),
		/** The largest Socket.IO message once authenticated: a task's result, up to 1,000 inputs (chunk_size) of 1,024-dim vectors or long completions; larger ones close the connection. */
		EXOSTACK_MAX_MESSAGE_BYTES: int(32 * 1024 * 1024),
		/** How long a socket may take to complete the Socket.IO handshake (authenticate) before it is dropped. */
		EXOSTACK_CONNECT_SECONDS: int(10),
		/** Packets one connection may send per second, of any kind; past it the connection is closed (realtime/bounded-parser.ts). */
		EXOSTACK_SOCKET_PACKETS_PER_SECOND: int(500),
		/** Events one socket may send per second; past it they are refused with 'rate-limited' (realtime/event-budget.ts). */
		EXOSTACK_SOCKET_EVENTS_PER_SECOND: int(200),
		/** New volunteer identities one network may be issued per hour (across hub processes); 0 for no limit. */
		EXOSTACK_IDENTITIES_PER_NETWORK: int(20, 0),
		/** Leading zero bits of proof of work asked for before a new identity is issued; 0 turns it off. */
		EXOSTACK_IDENTITY_POW_BITS: z.coerce.number().int().min(0).max(32).default(0),
		/** Sockets one identity may hold open on one hub process. */
		EXOSTACK_SOCKETS_PER_IDENTITY: int(8),
		/** Volunteer sockets one network may hold open on one hub process; 0 for no cap. */
		EXOSTACK_SOCKETS_PER_NETWORK: int(256, 0),
		/** Reverse proxies whose X-Forwarded-For is believed, comma-separated (addresses, CIDRs or proxy-addr's names such as loopback); none by default. */
		EXOSTACK_TRUSTED_PROXIES: z
			.string()
			.default('')
			.transform((list) =>
				list
					.split(',')
					.map((p) => p.trim())
					.filter(Boolean)
			),
		/** Replicas of one chunk only go to volunteers on distinct networks (claim-rules.ts); off for a private lab where everyone shares one network. */
		EXOSTACK_DISTINCT_NETWORKS: z.enum(['on', 'off']).default('on'),
		/** Live leases all sessions of one network may hold together, across sockets and identities; 0 for no cap. */
		EXOSTACK_LEASES_PER_NETWORK: int(64, 0),
		/** Chance that a lease is a hidden known-answer check (a chunk two volunteers already agreed on); 0 for none. */
		EXOSTACK_SPOT_CHECK_RATE: z.coerce.number().min(0).max(1).default(0.05),
		/** Chance that an unreplicated result, once accepted on its volunteer's word, is computed again behind its back; 0 for none. */
		EXOSTACK_LAZY_CHECK_RATE: z.coerce.number().min(0).max(1).default(0.05),
		EXOSTACK_DEMO_MODELS: z.enum(['on', 'off']).default('on'),
		/** How long a SIGTERM'd hub may take to give leases back and finish in-flight requests before it exits anyway (server.js); keep it under the orchestrator's grace period. */
		EXOSTACK_SHUTDOWN_SECONDS: int(10),
		/** What one submitter's API key may queue in a rolling day, unless set for the key when minted (the admin token has no quota). */
		EXOSTACK_KEY_JOBS_PER_DAY: int(1000, 0),
		EXOSTACK_KEY_INPUTS_PER_DAY: int(1_000_000, 0),
		/** How long a /v1 (OpenAI-compatible) request waits for volunteers to compute it before its job is cancelled and it gets a 503: an HTTP client waits, a job does not. */
		EXOSTACK_OPENAI_WAIT_SECONDS: int(120),
		EXOSTACK_MAX_IMAGE_BYTES: int(10 * 1024 * 1024),
		EXOSTACK_MAX_IMAGE_PIXELS: int(25_000_000),
		/** Where models are imported from by repository id; HF_ENDPOINT is the variable huggingface_hub reads. */
		HF_ENDPOINT: z.url().default('https://huggingface.co'),
		EXOSTACK_MAX_IMPORT_BYTES: int(4 * 1024 ** 3),
		HF_TOKEN: z.string().min(1).optional(),
		/** The least severe log lines written (JSON on stdout, log.ts): debug adds one line per lease and result, which info leaves out. */
		EXOSTACK_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
		/** OpenTelemetry traces of each job (observe/tracing.ts), exported over OTLP/HTTP where OTEL_EXPORTER_OTLP_ENDPOINT says; off costs nothing. */
		EXOSTACK_TRACING: z.enum(['on', 'off']).default('off'),
		/** Lets webhooks use plain http:// URLs (a receiver on a trusted network); off, they must be https://, since each delivery carries a job's status to a third party. */
		EXOSTACK_WEBHOOK_ALLOW_HTTP: z.enum(['on', 'off']).default('off'),
		/** Lets webhook URLs reach loopback, private, link-local and metadata addresses; off, the hub cannot be made to probe its own network (SSRF). */
		EXOSTACK_WEBHOOK_ALLOW_PRIVATE: z.enum(['on', 'off']).default('off'),
		/** The first retry's delay for a failed webhook delivery; each later one doubles (with jitter), for up to 24 h. */
		EXOSTACK_WEBHOOK_BACKOFF_MS: int(30_000),
		/** The largest JSONL file `POST /v1/files` takes for a batch: the upload is read whole into memory to check every line before anything is stored. */
		EXOSTACK_BATCH_FILE_MAX_BYTES: int(8 * 1024 * 1024),
		/** Most lines (requests) one batch input file may hold: each becomes a job, so this bounds what one upload can queue. */
		EXOSTACK_BATCH_MAX_LINES: int(1000)
	})
	.refine((e) => e.EXOSTACK_HEADERS_TIMEOUT_SECONDS <= e.EXOSTACK_REQUEST_TIMEOUT_SECONDS, {
		path: ['EXOSTACK_HEADERS_TIMEOUT_SECONDS'],
		message: 'must not exceed EXOSTACK_REQUEST_TIMEOUT_SECONDS'
	});

export type HubConfig = ReturnType<typeof loadConfig>;

/** Every setting's validated value and where it came from (`exostack config` lists them); throws naming each bad one. */
export function readSettings(env: Record<string, string | undefined> = process.env, cwd = process.cwd()) {
	const gathered = gatherSettings(Object.keys(Env.shape), env, cwd);
	const parsed = Env.safeParse(gathered.input);
	const issues = parsed.success ? [] : parsed.error.issues;
	if (issues.length || gathered.problems.length) {
		const from = (key: PropertyKey | undefined) => (gathered.sources[String(key)] === 'file' ? `${gathered.file}: ` : '');
		const lines = [...gathered.problems, ...issues.map((i) => `${from(i.path[0])}${i.path.join('.')}: ${i.message}`)];
		throw new Error(`invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);
	}
	return { values: parsed.data!, sources: gathered.sources as Record<keyof z.output<typeof Env>, SettingSource>, file: gathered.file };
}

export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()) {
	const e = readSettings(env, cwd).values;
	return {
		port: e.PORT,
		host: e.HOST,
		databaseUrl: e.DATABASE_URL ?? null,
		dbPool: e.EXOSTACK_DB_POOL,
		dbPrepare: e.EXOSTACK_DB_PREPARED_STATEMENTS === 'on',
		dataDir: path.resolve(cwd, e.EXOSTACK_DATA_DIR),
		apiToken: e.EXOSTACK_API_TOKEN ?? null,
		limits: { maxInputs: e.EXOSTACK_MAX_INPUTS, maxInputChars: e.EXOSTACK_MAX_INPUT_CHARS, maxBodyBytes: e.EXOSTACK_MAX_BODY_BYTES },
		chunkSize: e.EXOSTACK_CHUNK_SIZE,
		targetTaskMs: e.EXOSTACK_TARGET_TASK_SECONDS * 1000,
		leaseMs: e.EXOSTACK_LEASE_SECONDS * 1000,
		leaseMaxMs: e.EXOSTACK_LEASE_MAX_SECONDS * 1000,
		leasesPerVolunteer: e.EXOSTACK_LEASES_PER_VOLUNTEER,
		policy: {
			maxFailures: e.EXOSTACK_MAX_FAILURES,
			backoffMs: e.EXOSTACK_RETRY_BACKOFF_MS,
			tolerance: e.EXOSTACK_RESULT_TOLERANCE,
			distinctNetworks: e.EXOSTACK_DISTINCT_NETWORKS === 'on',
			lazyCheckRate: e.EXOSTACK_LAZY_CHECK_RATE
		},
		sweepMs: e.EXOSTACK_SWEEP_SECONDS * 1000,
		tailMs: e.EXOSTACK_TAIL_SECONDS * 1000,
		/** Results, renewals, releases and status reports arriving within this window (0: none) are committed together, at most `max` at a time (group-commit.ts). */
		groupCommit: { ms: e.EXOSTACK_GROUP_COMMIT_MS, max: e.EXOSTACK_GROUP_COMMIT_MAX },
		claimConcurrency: e.EXOSTACK_CLAIM_CONCURRENCY,
		claimDeadlineMs: e.EXOSTACK_CLAIM_DEADLINE_MS,
		feederHoldMs: e.EXOSTACK_FEEDER_HOLD_SECONDS * 1000,
		heartbeatMs: e.EXOSTACK_HEARTBEAT_SECONDS * 1000,
		readinessThreshold: e.EXOSTACK_READINESS_THRESHOLD,
		publicUrl: e.EXOSTACK_PUBLIC_URL ?? null,
		allowedOrigins: e.EXOSTACK_ALLOWED_ORIGINS,
		edge: {
			headersTimeoutMs: e.EXOSTACK_HEADERS_TIMEOUT_SECONDS * 1000,
			requestTimeoutMs: e.EXOSTACK_REQUEST_TIMEOUT_SECONDS * 1000,
			keepAliveTimeoutMs: e.EXOSTACK_KEEPALIVE_TIMEOUT_SECONDS * 1000,
			maxConnectionsPerAddress: e.EXOSTACK_MAX_CONNECTIONS_PER_ADDRESS
		},
		networks: { v4: e.EXOSTACK_NETWORK_PREFIX_V4, v6: e.EXOSTACK_NETWORK_PREFIX_V6 },
		trustedProxies: e.EXOSTACK_TRUSTED_PROXIES,
		sockets: {
			maxMessageBytes: e.EXOSTACK_MAX_MESSAGE_BYTES,
			connectTimeoutMs: e.EXOSTACK_CONNECT_SECONDS * 1000,
			packetsPerSecond: e.EXOSTACK_SOCKET_PACKETS_PER_SECOND,
			eventsPerSecond: e.EXOSTACK_SOCKET_EVENTS_PER_SECOND,
			perIdentity: e.EXOSTACK_SOCKETS_PER_IDENTITY,
			perNetwork: e.EXOSTACK_SOCKETS_PER_NETWORK
		},
		identities: { perNetworkPerHour: e.EXOSTACK_IDENTITIES_PER_NETWORK, powBits: e.EXOSTACK_IDENTITY_POW_BITS },
		trust: {
			leasesPerNetwork: e.EXOSTACK_LEASES_PER_NETWORK,
			spotCheckRate: e.EXOSTACK_SPOT_CHECK_RATE
		},
		demoModels: e.EXOSTACK_DEMO_MODELS === 'on',
		shutdownMs: e.EXOSTACK_SHUTDOWN_SECONDS * 1000,
		keyQuotas: { jobsPerDay: e.EXOSTACK_KEY_JOBS_PER_DAY, inputsPerDay: e.EXOSTACK_KEY_INPUTS_PER_DAY },
		images: { maxBytes: e.EXOSTACK_MAX_IMAGE_BYTES, maxPixels: e.EXOSTACK_MAX_IMAGE_PIXELS },
		huggingFace: { endpoint: e.HF_ENDPOINT.replace(/\/+$/, ''), maxBytes: e.EXOSTACK_MAX_IMPORT_BYTES, token: e.HF_TOKEN ?? null },
		openaiWaitMs: e.EXOSTACK_OPENAI_WAIT_SECONDS * 1000,
		logLevel: e.EXOSTACK_LOG_LEVEL,
		tracing: e.EXOSTACK_TRACING === 'on',
		webhooks: {
			allowHttp: e.EXOSTACK_WEBHOOK_ALLOW_HTTP === 'on',
			allowPrivate: e.EXOSTACK_WEBHOOK_ALLOW_PRIVATE === 'on',
			backoffMs: e.EXOSTACK_WEBHOOK_BACKOFF_MS
		},
		batches: { maxFileBytes: e.EXOSTACK_BATCH_FILE_MAX_BYTES, maxLines: e.EXOSTACK_BATCH_MAX_LINES }
	};
}

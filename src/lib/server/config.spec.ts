import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

describe('loadConfig', () => {
	it('has working defaults for an empty environment', () => {
		expect(loadConfig({})).toEqual({
			port: 8000,
			host: '0.0.0.0',
			databaseUrl: null,
			dbPool: 10,
			dbPrepare: true,
			dataDir: path.resolve('data'),
			apiToken: null,
			limits: { maxInputs: 10_000, maxInputChars: 20_000, maxBodyBytes: 16 * 1024 * 1024 },
			chunkSize: 8,
			targetTaskMs: 30_000,
			groupCommit: { ms: 2, max: 64 },
			claimConcurrency: 1,
			claimDeadlineMs: 10_000,
			feederHoldMs: 5000,
			leaseMs: 60_000,
			leaseMaxMs: 3_600_000,
			leasesPerVolunteer: 16,
			policy: { maxFailures: 3, backoffMs: 1000, tolerance: 0.001, distinctNetworks: true, lazyCheckRate: 0.05 },
			sweepMs: 5000,
			tailMs: 10000,
			heartbeatMs: 10_000,
			readinessThreshold: 60,
			publicUrl: null,
			allowedOrigins: [],
			edge: { headersTimeoutMs: 20_000, requestTimeoutMs: 300_000, keepAliveTimeoutMs: 5000, maxConnectionsPerAddress: 256 },
			networks: { v4: 24, v6: 48 },
			trustedProxies: [],
			sockets: {
				maxMessageBytes: 32 * 1024 * 1024,
				connectTimeoutMs: 10_000,
				packetsPerSecond: 500,
				eventsPerSecond: 200,
				perIdentity: 8,
				perNetwork: 256
			},
			identities: { perNetworkPerHour: 20, powBits: 0 },
			trust: { leasesPerNetwork: 64, spotCheckRate: 0.05 },
			demoModels: true,
			shutdownMs: 10_000,
			keyQuotas: { jobsPerDay: 1000, inputsPerDay: 1_000_000 },
			images: { maxBytes: 10 * 1024 * 1024, maxPixels: 25_000_000 },
			huggingFace: { endpoint: 'https://huggingface.co', maxBytes: 4 * 1024 ** 3, token: null },
			openaiWaitMs: 120_000,
			logLevel: 'info',
			tracing: false,
			webhooks: { allowHttp: false, allowPrivate: false, backoffMs: 30_000 },
			batches: { maxFileBytes: 8 * 1024 * 1024, maxLines: 1000 }
		});
	});

	it('reads every variable, converting units', () => {
		const config = loadConfig({
			PORT: '9001',
			HOST: '127.0.0.1',
			DATABASE_URL: 'postgresql://user:pw@db.example:5432/exostack',
			EXOSTACK_DATA_DIR: '/var/lib/exostack',
			EXOSTACK_DB_POOL: '24',
			EXOSTACK_DB_PREPARED_STATEMENTS: 'off',
			EXOSTACK_API_TOKEN: 'exo_0123456789abcdef',
			EXOSTACK_MAX_INPUTS: '50',
			EXOSTACK_MAX_INPUT_CHARS: '200',
			EXOSTACK_MAX_BODY_BYTES: '4096',
			EXOSTACK_CHUNK_SIZE: '4',
			EXOSTACK_TARGET_TASK_SECONDS: '0',
			EXOSTACK_GROUP_COMMIT_MS: '0',
			EXOSTACK_GROUP_COMMIT_MAX: '8',
			EXOSTACK_CLAIM_CONCURRENCY: '0',
			EXOSTACK_FEEDER_HOLD_SECONDS: '0',
			EXOSTACK_CLAIM_DEADLINE_MS: '2500',
			EXOSTACK_LEASE_SECONDS: '30',
			EXOSTACK_LEASE_MAX_SECONDS: '600',
			EXOSTACK_LEASES_PER_VOLUNTEER: '0',
			EXOSTACK_MAX_FAILURES: '5',
			EXOSTACK_RETRY_BACKOFF_MS: '0',
			EXOSTACK_SWEEP_SECONDS: '2',
			EXOSTACK_TAIL_SECONDS: '7',
			EXOSTACK_RESULT_TOLERANCE: '0.0005',
			EXOSTACK_HEARTBEAT_SECONDS: '3',
			EXOSTACK_READINESS_THRESHOLD: '70',
			EXOSTACK_PUBLIC_URL: 'https://Hub.Example.org/',
			EXOSTACK_ALLOWED_ORIGINS: ' https://a.example , https://b.example:8443/,,',
			EXOSTACK_HEADERS_TIMEOUT_SECONDS: '10',
			EXOSTACK_REQUEST_TIMEOUT_SECONDS: '60',
			EXOSTACK_KEEPALIVE_TIMEOUT_SECONDS: '2',
			EXOSTACK_MAX_CONNECTIONS_PER_ADDRESS: '0',
			EXOSTACK_DEMO_MODELS: 'off',
			EXOSTACK_SHUTDOWN_SECONDS: '4',
			EXOSTACK_MAX_IMAGE_BYTES: '1000',
			EXOSTACK_MAX_IMAGE_PIXELS: '640000',
			HF_ENDPOINT: 'http://mirror.example/hf/',
			EXOSTACK_MAX_IMPORT_BYTES: '2048',
			HF_TOKEN: 'hf_secret',
			EXOSTACK_KEY_JOBS_PER_DAY: '7',
			EXOSTACK_KEY_INPUTS_PER_DAY: '700',
			EXOSTACK_OPENAI_WAIT_SECONDS: '9',
			EXOSTACK_NETWORK_PREFIX_V4: '16',
			EXOSTACK_NETWORK_PREFIX_V6: '56',
			EXOSTACK_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8',
			EXOSTACK_MAX_MESSAGE_BYTES: '65536',
			EXOSTACK_CONNECT_SECONDS: '3',
			EXOSTACK_SOCKET_PACKETS_PER_SECOND: '50',
			EXOSTACK_SOCKET_EVENTS_PER_SECOND: '20',
			EXOSTACK_SOCKETS_PER_IDENTITY: '2',
			EXOSTACK_SOCKETS_PER_NETWORK: '0',
			EXOSTACK_IDENTITIES_PER_NETWORK: '0',
			EXOSTACK_IDENTITY_POW_BITS: '12',
			EXOSTACK_DISTINCT_NETWORKS: 'off',
			EXOSTACK_LEASES_PER_NETWORK: '5',
			EXOSTACK_SPOT_CHECK_RATE: '0.5',
			EXOSTACK_LAZY_CHECK_RATE: '0',
			EXOSTACK_LOG_LEVEL: 'debug',
			EXOSTACK_TRACING: 'on',
			EXOSTACK_WEBHOOK_ALLOW_HTTP: 'on',
			EXOSTACK_WEBHOOK_ALLOW_PRIVATE: 'on',
			EXOSTACK_WEBHOOK_BACKOFF_MS: '250',
			EXOSTACK_BATCH_FILE_MAX_BYTES: '4096',
			EXOSTACK_BATCH_MAX_LINES: '7'
		});
		expect(config).toEqual({
			port: 9001,
			host: '127.0.0.1',
			databaseUrl: 'postgresql://user:pw@db.example:5432/exostack',
			dbPool: 24,
			dbPrepare: false,
			dataDir: '/var/lib/exostack',
			apiToken: 'exo_0123456789abcdef',
			limits: { maxInputs: 50, maxInputChars: 200, maxBodyBytes: 4096 },
			chunkSize: 4,
			targetTaskMs: 0,
			groupCommit: { ms: 0, max: 8 },
			claimConcurrency: 0,
			claimDeadlineMs: 2500,
			feederHoldMs: 0,
			leaseMs: 30_000,
			leaseMaxMs: 600_000,
			leasesPerVolunteer: 0,
			policy: { maxFailures: 5, backoffMs: 0, tolerance: 0.0005, distinctNetworks: false, lazyCheckRate: 0 },
			sweepMs: 2000,
			tailMs: 7000,
			heartbeatMs: 3000,
			readinessThreshold: 70,
			publicUrl: 'https://hub.example.org',
			allowedOrigins: ['https://a.example', 'https://b.example:8443'],
			edge: { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 2000, maxConnectionsPerAddress: 0 },
			networks: { v4: 16, v6: 56 },
			trustedProxies: ['loopback', '10.0.0.0/8'],
			sockets: { maxMessageBytes: 65536, connectTimeoutMs: 3000, packetsPerSecond: 50, eventsPerSecond: 20, perIdentity: 2, perNetwork: 0 },
			identities: { perNetworkPerHour: 0, powBits: 12 },
			trust: { leasesPerNetwork: 5, spotCheckRate: 0.5 },
			demoModels: false,
			shutdownMs: 4000,
			keyQuotas: { jobsPerDay: 7, inputsPerDay: 700 },
			images: { maxBytes: 1000, maxPixels: 640_000 },
			huggingFace: { endpoint: 'http://mirror.example/hf', maxBytes: 2048, token: 'hf_secret' },
			openaiWaitMs: 9000,
			logLevel: 'debug',
			tracing: true,
			webhooks: { allowHttp: true, allowPrivate: true, backoffMs: 250 },
			batches: { maxFileBytes: 4096, maxLines: 7 }
		});
		expect(loadConfig({ DATABASE_URL: 'postgres://localhost/x' }).databaseUrl).toBe('postgres://localhost/x');
		expect(loadConfig({ PORT: '0' }).port).toBe(0);
		expect(loadConfig({ EXOSTACK_DATA_DIR: 'relative/dir' }).dataDir).toBe(path.resolve('relative/dir'));
	});

	it('ignores variables it does not know', () => {
		expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production' }).port).toBe(8000);
	});

	const error = (env: Record<string, string>) => {
		try {
			loadConfig(env);
		} catch (e) {
			return (e as Error).message;
		}
		throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
	};

	it('refuses a bad value with an error naming the variable and what is wrong', () => {
		expect(error({ PORT: 'abc' })).toMatch(/^invalid configuration:\n {2}PORT: .*expected number/);
		expect(error({ PORT: '80.5' })).toMatch(/PORT: .*expected int/);
		expect(error({ PORT: '-1' })).toMatch(/PORT: .*>=0/);
		expect(error({ DATABASE_URL: 'mysql://root@localhost/exostack' })).toBe(
			'invalid configuration:\n  DATABASE_URL: must be a postgres:// URL'
		);
		expect(error({ DATABASE_URL: 'localhost:5432' })).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
		expect(error({ EXOSTACK_API_TOKEN: 'short' })).toBe('invalid configuration:\n  EXOSTACK_API_TOKEN: must be at least 16 characters');
		expect(error({ EXOSTACK_MAX_INPUTS: '0' })).toMatch(/EXOSTACK_MAX_INPUTS: .*>=1/);
		expect(error({ EXOSTACK_MAX_BODY_BYTES: 'lots' })).toMatch(/EXOSTACK_MAX_BODY_BYTES/);
		expect(error({ EXOSTACK_LEASE_SECONDS: '1.5' })).toMatch(/EXOSTACK_LEASE_SECONDS: .*expected int/);
		expect(error({ EXOSTACK_RETRY_BACKOFF_MS: '-5' })).toMatch(/EXOSTACK_RETRY_BACKOFF_MS/);
		expect(error({ EXOSTACK_SHUTDOWN_SECONDS: '0' })).toMatch(/EXOSTACK_SHUTDOWN_SECONDS: .*>=1/);
		expect(error({ EXOSTACK_DEMO_MODELS: 'yes' })).toMatch(/EXOSTACK_DEMO_MODELS: .*"on"\|"off"/);
		expect(error({ EXOSTACK_LOG_LEVEL: 'verbose' })).toMatch(
			/EXOSTACK_LOG_LEVEL: .*"fatal"\|"error"\|"warn"\|"info"\|"debug"\|"trace"\|"silent"/
		);
		expect(error({ EXOSTACK_TRACING: 'otlp' })).toMatch(/EXOSTACK_TRACING: .*"on"\|"off"/);
		expect(error({ EXOSTACK_ALLOWED_ORIGINS: 'https://a.example,*' })).toMatch(/EXOSTACK_ALLOWED_ORIGINS.1: "\*" is not an origin/);
		expect(error({ EXOSTACK_PUBLIC_URL: 'https://hub.example.org/exostack' })).toMatch(/EXOSTACK_PUBLIC_URL: .* is not an origin/);
		expect(error({ EXOSTACK_PUBLIC_URL: 'ftp://hub.example.org' })).toMatch(/EXOSTACK_PUBLIC_URL/);
		expect(error({ EXOSTACK_HEADERS_TIMEOUT_SECONDS: '30', EXOSTACK_REQUEST_TIMEOUT_SECONDS: '10' })).toMatch(
			/EXOSTACK_HEADERS_TIMEOUT_SECONDS: must not exceed EXOSTACK_REQUEST_TIMEOUT_SECONDS/
		);
	});

	it('lists every bad variable at once', () => {
		const message = error({ PORT: 'abc', DATABASE_URL: 'mysql://x', EXOSTACK_CHUNK_SIZE: '0', EXOSTACK_DATA_DIR: '/fine' });
		const lines = message.split('\n');
		expect(lines[0]).toBe('invalid configuration:');
		expect(
			lines
				.slice(1)
				.map((l) => l.trim().split(':')[0])
				.sort()
		).toEqual(['DATABASE_URL', 'EXOSTACK_CHUNK_SIZE', 'PORT']);
	});
});

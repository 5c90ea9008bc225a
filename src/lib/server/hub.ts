/**
 * The hub's state, started once per process: configuration, database, secrets, model store and the
 * background sweeper. Routes and socket handlers receive it; nothing in here knows about HTTP or sockets.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadConfig, type HubConfig } from './config';
import { openDatabase, type Database, type Db } from './db';
import { DatabaseReach } from './db/reach';
import { loadApiToken, type ApiTokenSource } from './auth/api-token';
import { secureDataDir } from './data-dir';
import { claimDataDir } from './data-dir-lock';
import { loadIdentitySigner, type IdentitySigner } from './auth/identity';
import { BlobStore } from './models/blob-store';
import { ensureDemoModels } from './models/demo-models';
import { ModelCache } from './models/model-cache';
import { startSweeper } from './scheduler/sweeper';
import { StatusReads } from './scheduler/status-reads';
import { getJobStatus } from './scheduler/job-status';
import { startDeliveryWorker } from './webhooks/delivery-worker';
import { quiet, type Notifier } from './notifier';
import { JobEnds } from './job-ends';
import { noLiveText, type LiveText } from './live-text';
import { log } from './log';
import { createObserver, type Observer } from './observe/observer';
import { startTracing } from './observe/tracing';
import { migrationsApplied } from './observe/migrations-applied';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface Hub {
	/** Distinguishes this process among several serving one database. */
	id: string;
	config: HubConfig;
	database: Database;
	db: Db;
	/** Whether this process lost its database, when it got it back and when it started: an expiry then may be no fault of its holder (db/reach.ts). */
	reach: DatabaseReach;
	apiToken: string;
	/** Where the token came from: it is printed only when it was just generated, never when the operator set it. */
	apiTokenSource: ApiTokenSource;
	identities: IdentitySigner;
	blobs: BlobStore;
	models: ModelCache;
	notify: Notifier;
	/** Generated text as this process's volunteers stream it; the realtime layer fills it in. */
	liveText: LiveText;
	/** Wakes requests waiting on a job when this process sees it end (job-ends.ts); the realtime layer tells it. */
	jobEnds: JobEnds;
	/** Logs, counts and traces what happens to jobs and tasks (observe/observer.ts); its `log` carries this hub's id. */
	observe: Observer;
	/** Job status as the API answers it, read at most so often for a running job (scheduler/status-reads.ts). */
	statusReads: StatusReads;
	/** Run by stop(), newest first, before the database closes (the realtime layer releases its sessions' leases). */
	onStop(close: () => Promise<void>): void;
	/** Set when stop() begins: the readiness probe answers 503 from then on (health/readiness.ts). */
	stopping: boolean;
	/** Runs one sweep now, as the sweeper's timer does: specs drive expiry by this instead of sleeping through a timer. */
	sweep(): Promise<void>;
	/**
	 * Stops the hub: the onStop steps (volunteers' leases given back) run while `inFlight` settles (the
	 * HTTP requests still being answered, which may need the database), and only then does the database close.
	 */
	stop(inFlight?: () => Promise<void>): Promise<void>;
}

/**
 * Starts a hub. Tests may hand it a database they opened (a fresh PGlite or PostgreSQL one); it then owns and
 * closes it; and a span exporter, which turns tracing on and receives every span as it ends.
 */
export async function startHub(
	config: HubConfig = loadConfig(),
	given?: { database: Database; spanExporter?: SpanExporter }
): Promise<Hub> {
	log.level = config.logLevel;
	const id = randomUUID();
	const hubLog = log.child({ hub_id: id });
	secureDataDir(config.dataDir);
	// PGlite is one process's: a second hub (or an offline backup) on this folder is refused, not let corrupt it.
	const release = given || config.databaseUrl ? () => {} : claimDataDir(config.dataDir, 'an ExoStack hub');
	const database =
		given?.database ??
		(await openDatabase({
			url: config.databaseUrl,
			poolSize: config.dbPool,
			prepare: config.dbPrepare,
			dataDir: path.join(config.dataDir, 'pglite')
		}).catch((e) => {
			release();
			throw e;
		}));
	const { token, source } = loadApiToken(config.apiToken, config.dataDir);
	const blobs = new BlobStore(path.join(config.dataDir, 'blobs'));
	const closers: (() => Promise<void>)[] = [];
	if (config.demoModels) await ensureDemoModels(database.db, blobs, config.dataDir);
	// Again now that the database and the model store have written their files.
	secureDataDir(config.dataDir);
	const tracing =
		config.tracing || given?.spanExporter ? await startTracing({ hubId: id, log: hubLog, exporter: given?.spanExporter }) : null;
	const hub: Hub = {
		id,
		config,
		database,
		db: database.db,
		reach: new DatabaseReach(),
		apiToken: token,
		apiTokenSource: source,
		identities: await loadIdentitySigner(database.db),
		blobs,
		models: new ModelCache(database.db),
		notify: quiet,
		liveText: noLiveText,
		jobEnds: new JobEnds(),
		observe: createObserver(hubLog, tracing),
		statusReads: new StatusReads((jobId) =>
			getJobStatus(database.db, jobId, { withResult: true, distinctNetworks: config.policy.distinctNetworks })
		),
		onStop: (close) => closers.unshift(close),
		stopping: false,
		sweep: () => sweeper.tick(),
		async stop(inFlight) {
			hub.stopping = true;
			sweeper.stop();
			// Not awaited: a send in flight may take its full timeout; if the database closes under it, the claimed
			// row's lease runs out and it is sent again (at least once), so a bounded shutdown loses nothing.
			deliveries.stop();
			const steps = async () => {
				for (const close of closers) await close().catch((err) => hubLog.error({ err }, 'shutdown step failed'));
			};
			await Promise.all([steps(), inFlight?.()]);
			await hub.observe.stop().catch((err) => hubLog.error({ err }, 'could not export the last spans'));
			await database.close();
			release();
		}
	};
	const sweeper = startSweeper(hub);
	const deliveries = startDeliveryWorker({ db: hub.db, rules: config.webhooks, backoffMs: config.webhooks.backoffMs, log: hubLog });
	if (source === 'generated') hubLog.info({ file: path.join(config.dataDir, 'api-token') }, 'generated an API token and saved it');
	hubLog.info({ db: database.kind, ...migrationsApplied(), log_level: config.logLevel, tracing: tracing !== null }, 'hub started');
	return hub;
}

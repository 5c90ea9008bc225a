/**
 * The hub's state, started once per process: configuration, database, secrets, model store and the
 * background sweeper. Routes and socket handlers receive it; nothing in here knows about HTTP or sockets.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadConfig, type HubConfig } from './config';
import { openDatabase, type Database, type Db } from './db';
import { loadApiToken, type ApiTokenSource } from './auth/api-token';
import { secureDataDir } from './data-dir';
import { loadIdentitySigner, type IdentitySigner } from './auth/identity';
import { BlobStore } from './models/blob-store';
import { ensureDemoModels } from './models/demo-models';
import { ModelCache } from './models/model-cache';
import { startSweeper } from './scheduler/sweeper';
import { quiet, type Notifier } from './notifier';
import { noLiveText, type LiveText } from './live-text';

export interface Hub {
	/** Distinguishes this process among several serving one database. */
	id: string;
	config: HubConfig;
	database: Database;
	db: Db;
	apiToken: string;
	/** Where the token came from: it is printed only when it was just generated, never when the operator set it. */
	apiTokenSource: ApiTokenSource;
	identities: IdentitySigner;
	blobs: BlobStore;
	models: ModelCache;
	notify: Notifier;
	/** Generated text as this process's volunteers stream it; the realtime layer fills it in. */
	liveText: LiveText;
	/** Run by stop(), newest first, before the database closes (the realtime layer releases its sessions' leases). */
	onStop(close: () => Promise<void>): void;
	/** Runs one sweep now, as the sweeper's timer does: specs drive expiry by this instead of sleeping through a timer. */
	sweep(): Promise<void>;
	stop(): Promise<void>;
}

/** Starts a hub. Tests may hand it a database they opened (a fresh PGlite or PostgreSQL one); it then owns and closes it. */
export async function startHub(config: HubConfig = loadConfig(), given?: { database: Database }): Promise<Hub> {
	secureDataDir(config.dataDir);
	const database =
		given?.database ??
		(await openDatabase({ url: config.databaseUrl, poolSize: config.dbPool, dataDir: path.join(config.dataDir, 'pglite') }));
	const { token, source } = loadApiToken(config.apiToken, config.dataDir);
	const blobs = new BlobStore(path.join(config.dataDir, 'blobs'));
	const closers: (() => Promise<void>)[] = [];
	if (config.demoModels) await ensureDemoModels(database.db, blobs, config.dataDir);
	// Again now that the database and the model store have written their files.
	secureDataDir(config.dataDir);
	const hub: Hub = {
		id: randomUUID(),
		config,
		database,
		db: database.db,
		apiToken: token,
		apiTokenSource: source,
		identities: await loadIdentitySigner(database.db),
		blobs,
		models: new ModelCache(database.db),
		notify: quiet,
		liveText: noLiveText,
		onStop: (close) => closers.unshift(close),
		sweep: () => sweeper.tick(),
		async stop() {
			sweeper.stop();
			for (const close of closers) await close().catch((e) => console.error('exostack: shutdown step failed:', e));
			await database.close();
		}
	};
	const sweeper = startSweeper(hub);
	if (source === 'generated') console.log(`exostack: generated an API token and saved it in ${path.join(config.dataDir, 'api-token')}`);
	return hub;
}

import { sql } from 'drizzle-orm';
import type { Hub } from '../hub';
import { findMigrations } from '../db/migrations-folder';
import type { NotReadyReason, ReadinessView } from '../../protocol/health';
import { migrationState } from './migration-state';

/**
 * How long the database may take to answer a probe. Shorter than an orchestrator's probe timeout (the
 * Deployment's is 3 s), so the hub answers 503 with a reason rather than letting the probe time out; a
 * database that takes this long is not one to send traffic to.
 */
export const READY_TIMEOUT_MS = 2000;

/** Found once: the build's migrations do not move while it runs. */
let shipped: string | undefined;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
	});
	return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Whether this hub should be sent traffic: it is not shutting down, its database answers a `select 1`
 * in time, and every migration this build ships has been applied there (a hub of a newer version
 * whose migrations have not run yet, or a database restored from an older backup, is not ready).
 */
export async function checkReadiness(
	hub: Pick<Hub, 'id' | 'db' | 'database' | 'stopping'>,
	{ timeoutMs = READY_TIMEOUT_MS, migrationsFolder = (shipped ??= findMigrations()) } = {}
): Promise<ReadinessView> {
	const notReady = (reason: NotReadyReason, error: string): ReadinessView => ({ ready: false, hub: hub.id, reason, error });
	if (hub.stopping) return notReady('shutting_down', 'this hub is shutting down');
	try {
		await within(timeoutMs, hub.db.execute(sql`select 1`));
	} catch (e) {
		return notReady('database_unreachable', e instanceof Error ? e.message : String(e));
	}
	const state = await within(timeoutMs, migrationState(hub.db, migrationsFolder)).catch((e: Error) => e);
	if (state instanceof Error) return notReady('database_unreachable', state.message);
	if (state.pending > 0)
		return notReady('migrations_pending', `${state.pending} of this build's ${state.shipped} migrations are not applied`);
	return { ready: true, hub: hub.id, database: hub.database.kind, migrations: state.shipped };
}

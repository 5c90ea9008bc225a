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

/** A probe that outlived its time: its message is the hub's own, safe to show anyone. */
class Late extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Late(`the database did not answer within ${ms} ms`)), ms);
	});
	return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * What an anonymous caller is told of a failed query. The probe is public (an orchestrator or a load
 * balancer calls it without credentials), and a driver's message can name internal hosts, addresses and
 * database names: those go to the hub's log, once per change of state, not into the answer.
 */
function unreachable(e: unknown): string {
	return e instanceof Late ? e.message : "the database query failed (the hub's log says why)";
}

let lastLogged: string | null = null;
function logChange(view: ReadinessView, detail?: unknown) {
	const state = view.ready ? 'ready' : view.reason;
	if (state === lastLogged) return;
	const first = lastLogged === null;
	lastLogged = state;
	if (first && view.ready) return; // a hub that starts ready is no news
	// drizzle wraps the driver's error: its message is the query, the cause says what went wrong.
	const cause = detail instanceof Error && detail.cause instanceof Error ? ` (${detail.cause.message})` : '';
	const why = detail instanceof Error ? `: ${detail.message}${cause}` : '';
	console.error(`exostack: readiness ${view.ready ? 'restored' : `lost (${view.reason})`}${why}`);
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
	const answer = (view: ReadinessView, detail?: unknown) => (logChange(view, detail), view);
	const notReady = (reason: NotReadyReason, error: string, detail?: unknown) =>
		answer({ ready: false, hub: hub.id, reason, error }, detail);
	if (hub.stopping) return notReady('shutting_down', 'this hub is shutting down');
	const state = await within(timeoutMs, hub.db.execute(sql`select 1`))
		.then(() => within(timeoutMs, migrationState(hub.db, migrationsFolder)))
		.catch((e: unknown) => ({ failed: e }));
	if ('failed' in state) return notReady('database_unreachable', unreachable(state.failed), state.failed);
	if (state.pending > 0)
		return notReady('migrations_pending', `${state.pending} of this build's ${state.shipped} migrations are not applied`);
	return answer({ ready: true, hub: hub.id, database: hub.database.kind, migrations: state.shipped });
}

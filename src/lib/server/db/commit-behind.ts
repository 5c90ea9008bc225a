import type { Db } from './index';

/** A transaction's last statement, sent but not awaited, with what the caller makes of its answer (commitBehind). */
export interface Last<T> {
	readonly answer: Promise<T>;
}

/**
 * What a commitBehind transaction ends with: its last statement (or what is made of its answer), left
 * unawaited so the COMMIT goes out behind it. Started here, once: a drizzle query is a lazy thenable that
 * runs again at every `then`, and a second run would come after the COMMIT, outside the transaction.
 * Marked handled: its failure is reported by commitBehind, after the COMMIT, rather than as an unhandled
 * rejection while the COMMIT is on its way.
 */
export function last<T>(statement: PromiseLike<T>): Last<T> {
	const answer = new Promise<T>((resolve, reject) => statement.then(resolve, reject));
	answer.catch(() => {});
	return { answer };
}

/**
 * Runs `work` in a transaction whose COMMIT is sent right behind its last statement, in the same round
 * trip, instead of after that statement's answer: `work` awaits what it must and returns its last
 * statement unawaited, as `last(statement)`. Returns that statement's answer once the transaction has
 * committed.
 *
 * The last statement must be under way when `work` returns (called, or handed to Promise.all, in
 * `work`'s own synchronous steps): statements go to the connection in the order the driver is given
 * them, and the transaction gives it the COMMIT only several promise steps after `work` has returned.
 * Statements on one connection then run in the order sent: the COMMIT runs after the last statement
 * whatever it does, and if that statement fails, the COMMIT of the failed transaction rolls it back, and
 * the statement's error is thrown here. A statement that reached the driver only after the COMMIT would
 * be refused, never run outside the transaction: by PGlite, and by postgres-js as patched
 * (patches/postgres). transaction-round-trips.spec checks the order and the refusal.
 *
 * Why: a claim was four round trips, BEGIN and COMMIT two of them; with PostgreSQL 1 ms away, the pipelined
 * BEGIN and this COMMIT took 18-20 ms off a claim (BENCHMARKS.md).
 */
export async function commitBehind<T>(db: Db, work: (tx: Db) => Promise<Last<T>>): Promise<T> {
	let ended: Last<T> | undefined;
	try {
		await db.transaction(async (tx) => (ended = await work(tx)));
	} catch (e) {
		// PGlite refuses a COMMIT that rolled back with an error of its own: the statement's says why.
		await ended?.answer;
		throw e;
	}
	return ended!.answer;
}

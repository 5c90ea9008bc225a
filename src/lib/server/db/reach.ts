/**
 * Whether this hub process could reach its database lately. A lease whose holder kept renewing while the
 * hub could not write the renewals expires all the same, and so does one its holder could not renew while
 * no hub was running; the sweeper asks this before it charges an expiry to the holder
 * (release-expired-leases.ts), and the socket handlers tell a volunteer to try again rather than that its
 * result failed (realtime/handle.ts).
 */

/** Driver and socket codes of a connection that failed, not of a statement the database refused. */
const LOST_CONNECTION_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'EPIPE',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'CONNECT_TIMEOUT',
	'DATABASE_TIMEOUT'
]);

/**
 * A statement, or a transaction, the database did not answer in time: the connection may have gone silent
 * (a host that drops packets closes nothing, and TCP takes many minutes to give up). Counted as a lost
 * connection: the caller is told to try again.
 */
export class DatabaseTimeout extends Error {
	readonly code = 'DATABASE_TIMEOUT';
}

/**
 * Whether `err` (or an error it wraps, as drizzle wraps the driver's) says the database could not be
 * reached: a socket error, postgres-js's connection codes, SQLSTATE class 08 (connection exception) or
 * 57P01-57P03 (the server shutting down, crashed, or not yet accepting connections). A statement the
 * database refused (a constraint, a syntax error) is not a lost connection.
 */
export function isConnectionLoss(err: unknown): boolean {
	let e = err;
	for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string' && (LOST_CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code)))
			return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}

/**
 * Whether this process has lost its database, and since when it has been able to write its volunteers'
 * renewals: since it started, or since its database came back. What happened to a lease before that
 * instant it cannot know.
 */
export class DatabaseReach {
	/** A statement lost the connection, and none has gone through since. */
	private down = false;
	private since: number;

	constructor(private readonly now: () => number = Date.now) {
		this.since = now();
	}

	/** Records a failed statement's error; returns whether it was a lost connection. */
	note(err: unknown): boolean {
		if (!isConnectionLoss(err)) return false;
		this.down = true;
		return true;
	}

	/** A statement went through: a database that was lost is back from now. */
	reached(): void {
		if (!this.down) return;
		this.down = false;
		this.since = this.now();
	}

	/**
	 * The instant (epoch ms) from which this process could write renewals: Infinity while its database is lost,
	 * else its start or its database's return, whichever is later (counted from the return, not from the last
	 * failure: during an outage statements may hang rather than fail). A lease granted before it and not renewed
	 * after it is no fault of its holder (release-expired-leases.ts): a hub that crashed may have granted it, and
	 * its volunteer could renew it nowhere until it reconnected here (its new connection does not take over what
	 * the old one held), or its holder's renewals were what could not be written.
	 */
	renewableSince(): number {
		return this.down ? Infinity : this.since;
	}
}

import pg from 'pg';

/**
 * The connections the Socket.IO Postgres adapter publishes through and LISTENs on (attach.ts).
 *
 * The adapter keeps one client checked out for LISTEN. When that client's connection ends (a database outage,
 * a failover, a restart), it takes a new one and never releases the old (@socket.io/postgres-adapter 0.5,
 * PubSubClient.initClient): the pool went on counting the dead client as checked out. After one outage its
 * two connections were the dead client and the new LISTEN one, so every publish waited for a free client for
 * ever (broadcasts between hub processes stopped), and pool.end() at shutdown never returned (every hub stop
 * after an outage took the whole shutdown timeout and exited without closing the database). Here a
 * checked-out client whose connection ends is released as broken, which removes it from the pool.
 */
export function adapterPool(url: string, log: (err: Error) => void): pg.Pool {
	const pool = new pg.Pool({ connectionString: url, max: 2 });
	const checkedOut = new WeakSet<pg.PoolClient>();
	pool.on('acquire', (client) => checkedOut.add(client));
	pool.on('release', (_err, client) => checkedOut.delete(client));
	pool.on('connect', (client) => {
		// A checked-out client's error is not the pool's, and unhandled it would crash the hub.
		client.on('error', log);
		client.on('end', () => {
			if (checkedOut.has(client as pg.PoolClient)) (client as pg.PoolClient).release(true);
		});
	});
	pool.on('error', log);
	return pool;
}

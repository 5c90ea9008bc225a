/**
 * A hub for realtime specs, in this process: a real hub on a fresh database (PGlite or PostgreSQL), a real
 * HTTP server with Socket.IO attached, and socket.io-client connections typed by the one protocol. No
 * SvelteKit: jobs go straight to the scheduler and volunteers read model files from the blob store.
 * Its sweeper's timer never fires (an hour apart): a spec that needs a sweep runs one with `hub.sweep()`.
 */
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '../config';
import { openDatabase } from '../db';
import { openTestDatabase, type TestDbKind } from '../db/testing';
import { startHub, type Hub } from '../hub';
import { submitAs } from '../http/submit-as';
import { ADMIN } from '../auth/principal';
import { cancelJob } from '../scheduler/cancel-job';
import { jobs } from '../db/schema';
import { inArray } from 'drizzle-orm';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { attachRealtime } from './attach';
import {
	type Ack,
	DASHBOARD_NAMESPACE,
	VOLUNTEER_NAMESPACE,
	type DashboardClientToServer,
	type DashboardServerToClient,
	HandshakeRefusal,
	type VolunteerAuth,
	type Welcome
} from '../../protocol/events';
import type { QueuedSubmission } from '../../protocol/jobs';
import { verifyFile, type ModelFileSource } from '../../executor/model-files';
import type { VolunteerSocket } from '../../volunteer/volunteer-socket';

export type DashboardClient = Socket<DashboardServerToClient, DashboardClientToServer>;

/** The events of a map the receiver acknowledges, the payload each takes and the reply its acknowledgement carries. */
type Args<F> = F extends (...args: infer A) => void ? A : never;
type Acked<M> = { [K in keyof M]: Args<M[K]> extends [unknown, (reply: never) => void] ? K : never }[keyof M];
type PayloadOf<F> = Args<F>[0];
type ReplyOf<F> = Args<F> extends [unknown, (reply: infer R) => void] ? R : never;

/**
 * Sends `event` and waits up to `ms` for its acknowledgement, typed by the protocol: socket.io-client
 * types the reply of a `timeout(ms).emitWithAck` as `any`, which would let a spec read fields no reply has.
 */
export function replyTo<L extends object, M extends object, E extends Acked<M> & string>(
	socket: Socket<L, M>,
	event: E,
	payload: PayloadOf<M[E]>,
	ms = 5000
): Promise<ReplyOf<M[E]>> {
	return (socket as unknown as Socket).timeout(ms).emitWithAck(event, payload);
}

/** The reply of an acknowledgement the hub granted; a refusal throws with the hub's reason. */
export function granted<T extends object>(reply: Ack<T>): T {
	if (!reply.ok) throw new Error(`the hub refused: ${reply.error} (${reply.code ?? 'no code'})`);
	return reply;
}

/**
 * The hub's welcome on a volunteer connection opened with `auth`; a refused handshake throws an error whose
 * `refusal` is the hub's HandshakeRefusal.
 */
export function welcomed(socket: VolunteerSocket, ms = 5000): Promise<Welcome> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('no welcome from the hub')), ms);
		socket.once('welcome', (w) => {
			clearTimeout(timer);
			resolve(w);
		});
		socket.once('connect_error', (err: Error & { data?: unknown }) => {
			clearTimeout(timer);
			const refusal = HandshakeRefusal.safeParse(err.data);
			reject(Object.assign(new Error(`the hub refused the handshake: ${err.message}`), { refusal: refusal.data }));
		});
	});
}

/** The same connection without the protocol's types, to send what the protocol forbids and see the hub refuse it. */
export function untyped<L extends object, M extends object>(socket: Socket<L, M>): Socket {
	return socket as unknown as Socket;
}

export interface TestHubOptions {
	/** A fresh database of this kind, dropped when the hub stops (the default: PGlite). */
	kind?: TestDbKind;
	/** Or a PostgreSQL database other hubs share (several hub processes behind one load balancer); left in place. */
	databaseUrl?: string;
	/** Configuration over the test defaults, as environment variables. */
	env?: Record<string, string>;
	/** Turns tracing on, every span going here as it ends (an InMemorySpanExporter). */
	spanExporter?: SpanExporter;
}

export interface TestHub {
	hub: Hub;
	url: string;
	/**
	 * A new /volunteer connection presenting `auth` in its handshake, closed when the hub stops; `autoConnect: false`
	 * leaves connecting (and authenticating) to its owner (a work loop).
	 */
	volunteer(options?: { autoConnect?: boolean; auth?: VolunteerAuth }): VolunteerSocket;
	/** A new /dashboard connection with the admin token, closed when the hub stops. */
	dashboard(): DashboardClient;
	/** Model files from this hub's blob store, checked against their sha256 like any download. */
	files: ModelFileSource;
	/** Queues a job of `input` (demo embeddings unless `job` says otherwise) and tells volunteers, as POST /api/jobs does; its id. */
	submit(input: string[], job?: Partial<QueuedSubmission>): Promise<string>;
	/** Cancels every queued or running job: a spec's next test starts from an empty queue, with nothing left to lease. */
	cancelOpenJobs(): Promise<void>;
	stop(): Promise<void>;
}

export async function startTestHub(opts: TestHubOptions = {}): Promise<TestHub> {
	const config = loadConfig({
		EXOSTACK_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'exostack-hub-')),
		EXOSTACK_SWEEP_SECONDS: '3600',
		// Specs open many volunteers from 127.0.0.1: the per-network ration of identities is the attack suite's to test.
		EXOSTACK_IDENTITIES_PER_NETWORK: '0',
		// Spec output stays readable: a line per hub and per job at info would drown vitest's (a spec may ask for more).
		EXOSTACK_LOG_LEVEL: 'warn',
		...opts.env
	});
	const database = opts.databaseUrl ? await openDatabase({ url: opts.databaseUrl }) : await openTestDatabase(opts.kind ?? 'pglite');
	const hub = await startHub(config, { database, spanExporter: opts.spanExporter });
	const http = createServer();
	attachRealtime(hub, http);
	await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
	const sockets: Socket[] = [];
	const open = (namespace: string, autoConnect = true, auth: object = {}) => {
		const s = connect(new URL(namespace, url).href, { transports: ['websocket'], forceNew: true, autoConnect, auth });
		sockets.push(s);
		return s;
	};
	return {
		hub,
		url,
		volunteer: (options) => open(VOLUNTEER_NAMESPACE, options?.autoConnect, options?.auth),
		// As the admin: watching a job takes its owner's key or the admin token (auth/job-access.ts).
		dashboard: () => open(DASHBOARD_NAMESPACE, true, { token: hub.apiToken }),
		files: {
			async read(file) {
				const bytes = new Uint8Array(await readFile(hub.blobs.path(file.sha256)!));
				await verifyFile(file, bytes);
				return bytes;
			}
		},
		async submit(input, job = {}) {
			const submission: QueuedSubmission = {
				task_type: 'embedding',
				model: 'demo-embedding',
				input,
				priority: 'normal',
				replication: 1,
				params: {},
				...job
			};
			// As the admin submits over HTTP: the same checks, announcement and record (an interactive job may be
			// stored in its first taker's claim).
			const outcome = await submitAs(hub, ADMIN, submission);
			if (!outcome.ok) throw new Error(outcome.error);
			return outcome.id;
		},
		async cancelOpenJobs() {
			const open = await hub.db
				.select({ id: jobs.id })
				.from(jobs)
				.where(inArray(jobs.status, ['queued', 'running']));
			for (const { id } of open) await cancelJob(hub.db, id);
		},
		async stop() {
			for (const s of sockets) s.close();
			http.closeAllConnections();
			await new Promise((r) => http.close(r));
			await hub.stop();
		}
	};
}

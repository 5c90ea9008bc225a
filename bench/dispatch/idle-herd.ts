/**
 * What new work costs a hub holding many idle volunteers. K volunteers wait for work: sockets that ask for a
 * task at their welcome and again at each `work:available` nudge, as the work loop does (they run nothing, so a
 * task one of them gets stays leased to it). Then J one-task jobs are submitted one at a time, each once the
 * last one's task is leased and a nudge window has passed. Counted per job: the task requests the volunteers
 * sent, and the time from its submission to its task's lease; over the jobs, the hub's and PostgreSQL's CPU.
 */
import { io, type Socket } from 'socket.io-client';
import { startHubProcess, tempDir } from '../../tests/harness/hub-process';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';
import { benchHubEnv, importTinyModel, submitJob } from './tiny-job';
import { coresUsed, snapshot } from './cpu';

/** Past the hub's nudge window (WORK_AVAILABLE_MS, 250 ms): each job's nudge goes at once, not folded into the last one's. */
const BETWEEN_JOBS_MS = 400;

export async function idleHerd(o: { databaseUrl: string; volunteers: number; jobs: number }) {
	const hub = await startHubProcess({
		databaseUrl: o.databaseUrl,
		dataDir: tempDir(),
		// Every socket is on 127.0.0.1: no per-network cap on their leases.
		env: { ...benchHubEnv(10, 1), EXOSTACK_LEASES_PER_NETWORK: '0' }
	});
	const sockets: Socket[] = [];
	let requests = 0;
	/** When each job's task was leased, by job id. */
	const leasedAt = new Map<string, number>();
	try {
		await importTinyModel(hub);
		const capabilities = nodeCapabilities();
		const ask = (s: Socket) => {
			requests++;
			s.timeout(30_000)
				.emitWithAck('task:request', { slots: 1 })
				.then(
					(reply: { ok: boolean; tasks?: { jobId: string }[] }) => {
						for (const t of reply.ok ? (reply.tasks ?? []) : []) if (!leasedAt.has(t.jobId)) leasedAt.set(t.jobId, performance.now());
					},
					() => {} // unanswered in time: counted as asked all the same
				);
		};
		for (let i = 0; i < o.volunteers; i += 250) {
			const batch = Array.from({ length: Math.min(250, o.volunteers - i) }, () => {
				const auth = { identity: null, capabilities, mode: 'always', readiness: { score: 90, ready: true } };
				const s = io(`${hub.url}/volunteer`, { transports: ['websocket'], forceNew: true, auth });
				sockets.push(s);
				s.on('work:available', () => ask(s));
				return new Promise<void>((resolve, reject) => {
					s.once('welcome', () => {
						ask(s);
						resolve();
					});
					s.once('connect_error', reject);
				});
			});
			await Promise.all(batch);
		}
		// Every first request answered (empty: nothing is queued), and the nudge window past.
		await new Promise((r) => setTimeout(r, 2000));
		const perJob: { requests: number; leaseMs: number }[] = [];
		const before = snapshot([hub.child.pid!]);
		for (let j = 0; j < o.jobs; j++) {
			const asked = requests;
			const submitted = performance.now();
			const id = await submitJob(hub, 1);
			const deadline = submitted + 30_000;
			while (!leasedAt.has(id) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
			if (!leasedAt.has(id)) throw new Error(`job ${id}'s task was not leased within 30 s`);
			// The requests its nudge set off, answered or not, before the next job's.
			await new Promise((r) => setTimeout(r, BETWEEN_JOBS_MS));
			perJob.push({ requests: requests - asked, leaseMs: leasedAt.get(id)! - submitted });
		}
		const cores = coresUsed(before, snapshot([hub.child.pid!]), [hub.child.pid!]);
		return { perJob, hubCores: cores.processes, postgresCores: cores.postgres };
	} finally {
		for (const s of sockets) s.close();
		await hub.stop();
	}
}

/**
 * What a claim costs alone and in groups (claim-tasks.ts claimGroup), in-process on PostgreSQL: the hub's
 * claim code and nothing around it, each size walking the queue and picking from a feeder (feeder.ts). The
 * anchor is the claim alone walking, measured in the same run on the same database; rounds alternate between
 * the sizes and ways so a change in the machine's load shows in every one.
 *
 *   npx tsx bench/dispatch/claim-groups.ts [--sizes 1,8,16,32,64] [--claims 640] [--rounds 2] [--slots 2]
 *
 * Needs PostgreSQL (EXOSTACK_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/lib/server/db/index';
import { claimGroup } from '../../src/lib/server/scheduler/claim-tasks';
import { Feeder } from '../../src/lib/server/scheduler/feeder';
import { makeJob, seedModel, seedVolunteers } from '../../src/lib/server/scheduler/testing';
import { freshDatabase } from '../../tests/harness/postgres';
import { fmt } from './stats';

const { values } = parseArgs({
	options: {
		sizes: { type: 'string', default: '1,8,16,32,64' },
		claims: { type: 'string', default: '640' },
		rounds: { type: 'string', default: '2' },
		slots: { type: 'string', default: '2' }
	}
});
const sizes = values.sizes.split(',').map(Number);
const claims = Number(values.claims);
const rounds = Number(values.rounds);
const slots = Number(values.slots);
// Enough queued one-input tasks that no round runs the queue dry.
const ways = ['walk', 'feeder'] as const;
const tasks = ways.length * sizes.length * rounds * claims * slots + 1000;

const fresh = await freshDatabase();
if (!fresh) throw new Error('the benchmark needs PostgreSQL');
const database = await openDatabase({ url: fresh.url });
try {
	const { db } = database;
	await seedModel(db);
	const volunteers = ways.length * sizes.length * rounds * claims;
	await seedVolunteers(
		db,
		Array.from({ length: volunteers }, (_, i) => `v${i}`)
	);
	await makeJob(db, tasks, { chunkSize: 1 });
	console.log(
		`claim groups on ${os.cpus().length} cores, load ${os
			.loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}: ${claims} claims of ${slots} slots per size and round, a ${tasks}-task queue`
	);
	let next = 0;
	const feeder = new Feeder(db, { holder: 'bench', holdMs: 5000 });
	const perClaim = new Map<string, number[]>(ways.flatMap((way) => sizes.map((s) => [`${way} ${s}`, []])));
	for (let round = 0; round < rounds; round++)
		for (const size of sizes)
			for (const way of ways) {
				const start = performance.now();
				for (let done = 0; done < claims; done += size)
					await claimGroup(
						db,
						Array.from({ length: size }, () => {
							const i = next++;
							return {
								sessionId: `s${i}`,
								volunteerId: `v${i}`,
								backendClass: 'wasm' as const,
								slots,
								taskTypes: ['embedding' as const],
								leaseMs: 60_000
							};
						}),
						way === 'feeder' ? feeder : undefined
					);
				perClaim.get(`${way} ${size}`)!.push((performance.now() - start) / claims);
			}
	await feeder.stop();
	const alone = perClaim.get('walk 1')!;
	for (const [key, ms] of perClaim) {
		const [way, size] = key.split(' ');
		const ratio = key !== 'walk 1' ? `  (${fmt(Math.min(...alone) / Math.min(...ms), 1)}× less than walking alone, best rounds)` : '';
		console.log(`  ${way.padEnd(6)} group of ${size.padStart(3)}   ${ms.map((m) => `${fmt(m, 2)} ms`).join(' / ')} a claim${ratio}`);
	}
} finally {
	await database.close();
	await fresh.drop();
}

import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../src/lib/server/db/testing';
import { makeJob, seedModel, seedVolunteers } from '../src/lib/server/scheduler/testing';
import { getJobStatus } from '../src/lib/server/scheduler/job-status';
import { rowsOf } from '../src/lib/server/db/rows';
const N = Number(process.argv[2] ?? 100000);
const d = await openTestDatabase('postgres');
const db = d.db;
await seedModel(db);
await seedVolunteers(db, ['v']);
const { id } = await makeJob(db, N, { chunkSize: 1 });
await db.execute(sql`insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms, verdict)
	select id, job_id, seq, 'v', '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]'::jsonb, 'wasm', 'wasm', 5, 'valid' from tasks where job_id = ${id}`);
await db.execute(sql`insert into accepted_results (job_id, seq, task_id) select job_id, seq, id from tasks where job_id = ${id}`);
await db.execute(sql`update tasks set state = 'done' where job_id = ${id}`);
await db.execute(sql`update jobs set status = 'completed', finished_at = now() where id = ${id}`);
await db.execute(sql`analyze`);
const plan = rowsOf<{ 'QUERY PLAN': string }>(await db.execute(sql.raw(`explain analyze select a.seq, t.first_input, t.inputs, r.output from accepted_results a join results r on r.task_id = a.task_id join tasks t on t.id = a.task_id where a.job_id = '${id}' and a.seq > 50000 order by a.seq limit 200`)));
console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
for (let i = 0; i < 2; i++) {
	const t0 = performance.now();
	const s = await getJobStatus(db, id, { withResult: true });
	const t1 = performance.now();
	const body = JSON.stringify(s);
	console.log(`status with result: read ${(t1 - t0).toFixed(0)} ms, stringify ${(performance.now() - t1).toFixed(0)} ms, ${(body.length / 1e6).toFixed(1)} MB`);
}
await d.close();
